/**
 * ExecutionNode: one Geth container, its chain-data volume, and the flags that keep its privileged
 * interfaces (engine API, admin over WebSocket) on the node's private Docker network.
 */
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import { EthNetwork } from "./config";
import { dataMount, hardenedContainerArgs, healthcheck, hostUrl, namedContainer, ownedDataVolume, privatePort, publicPort, serviceContainerArgs } from "./docker";
import { JWT_PATH, jwtUpload } from "./nodeNetwork";
import { SERVICES, serviceUrl } from "./services";

const GETH = SERVICES.execution;
/** Geth flushes its state caches to disk on shutdown; killing it early costs a long recovery on restart. */
export const GETH_STOP_GRACE_SECONDS = 300;

export interface ExecutionNodeArgs {
    /** Stack name; prefixes container and volume names so stacks can share a Docker host. */
    stack: string;
    network: EthNetwork;
    /** Pinned Geth image, e.g. `ethereum/client-go:v1.17.10`. */
    image: string;
    /** Name of the node's private Docker network. */
    networkName: pulumi.Input<string>;
    /** The 32-byte engine-API secret as 64 hex characters; must be a Pulumi secret. */
    jwtSecretHex: pulumi.Input<string>;
    /** Host address the HTTP JSON-RPC port is published on (stack config `bindAddress`). */
    bindAddress: string;
    /** Host port for devp2p, tcp+udp on all interfaces (stack config `elP2pPort`). */
    p2pHostPort: number;
    /** Host port for HTTP JSON-RPC, bindAddress only (stack config `elRpcPort`). */
    rpcHostPort: number;
    /** `--maxpeers` (stack config `elMaxPeers`). */
    maxPeers: number;
    /** Public IP announced to peers (`--nat extip:`); unset = Geth's own NAT detection. */
    externalIp?: string;
    /** Delete the chain-data volume on destroy; false keeps it through `pulumi destroy`. */
    deleteVolumeOnDestroy: boolean;
}

/** Geth's command line for these args: a pure function, so tests and the e2e harness read the same flags. */
export function gethCommand(args: Pick<ExecutionNodeArgs, "network" | "maxPeers" | "externalIp">): string[] {
    const { alias, ports } = GETH;
    return [
        `--${args.network}`,
        `--datadir=${GETH.dataDir}`,
        "--syncmode=snap",
        "--state.scheme=path",
        // JSON-RPC for dapps and operators: read-only namespaces only.
        "--http",
        "--http.addr=0.0.0.0",
        `--http.port=${ports.http}`,
        "--http.api=eth,net,web3",
        `--http.vhosts=localhost,${alias}`,
        // WebSocket carries `admin` for the peer monitor; its port is never published outside the Docker network.
        "--ws",
        "--ws.addr=0.0.0.0",
        `--ws.port=${ports.ws}`,
        "--ws.api=admin,net,eth",
        // Engine API: JWT-authenticated. `authrpc.vhosts` is matched against the Host header, i.e. the name the
        // beacon node dials (`http://execution:8551`), so only requests addressed through the private
        // network alias are served; a request via a published port or another name gets 403.
        "--authrpc.addr=0.0.0.0",
        `--authrpc.port=${ports.engine}`,
        `--authrpc.vhosts=${alias}`,
        `--authrpc.jwtsecret=${JWT_PATH}`,
        // Metrics through the dedicated listener, not pprof (which exposes profiling handlers).
        "--metrics",
        "--metrics.addr=0.0.0.0",
        `--metrics.port=${ports.metrics}`,
        `--port=${ports.p2p}`,
        `--maxpeers=${args.maxPeers}`,
        ...(args.externalIp ? [`--nat=extip:${args.externalIp}`] : []),
    ];
}

export class ExecutionNode extends pulumi.ComponentResource {
    public readonly container: docker.Container;
    public readonly containerName: pulumi.Output<string>;
    public readonly volumeName: pulumi.Output<string>;
    /** HTTP JSON-RPC on the private network. */
    public readonly rpcUrl = serviceUrl("execution", "http");
    /** WebSocket JSON-RPC (with `admin`) on the private network, for the peer monitor. */
    public readonly wsUrl = serviceUrl("execution", "ws", "ws");
    /** Engine API URL the beacon node dials. */
    public readonly engineUrl = serviceUrl("execution", "engine");
    /** HTTP JSON-RPC as published on the host. */
    public readonly hostRpcUrl: string;

    constructor(name: string, args: ExecutionNodeArgs, opts?: pulumi.ComponentResourceOptions) {
        super("eth-node:index:ExecutionNode", name, {}, opts);
        const child = { parent: this };

        const { volume, owner } = ownedDataVolume(
            `${name}-data`,
            { stack: args.stack, service: "execution", deleteOnDestroy: args.deleteVolumeOnDestroy, initImage: args.image },
            child,
        );

        this.container = namedContainer(
            name,
            {
                ...serviceContainerArgs(args.stack, "execution", args.networkName),
                image: args.image,
                command: gethCommand(args),
                // The uid has no passwd entry, so HOME would be `/`; `geth attach` (healthcheck, readiness
                // probe) creates ~/.ethereum and fails with "mkdir /.ethereum: permission denied" there.
                envs: ["HOME=/tmp"],
                ...hardenedContainerArgs(),
                stopSignal: "SIGINT",
                stopTimeout: GETH_STOP_GRACE_SECONDS,
                destroyGraceSeconds: GETH_STOP_GRACE_SECONDS,
                volumes: [dataMount(volume, "execution")],
                uploads: [jwtUpload(args.jwtSecretHex, GETH.user)],
                ports: [
                    publicPort(GETH.ports.p2p, args.p2pHostPort, "tcp"),
                    publicPort(GETH.ports.p2p, args.p2pHostPort, "udp"),
                    privatePort(GETH.ports.http, args.rpcHostPort, args.bindAddress),
                ],
                // The Geth binary is the one client every Geth image ships; no curl/wget needed.
                healthcheck: healthcheck(["CMD", "geth", "attach", "--exec", "eth.blockNumber", `http://127.0.0.1:${GETH.ports.http}`], {
                    intervalSeconds: 30,
                    timeoutSeconds: 10,
                    retries: 5,
                    startPeriodSeconds: 120,
                }),
            },
            { ...child, dependsOn: [owner] },
        );

        this.containerName = this.container.name;
        this.volumeName = volume.name;
        this.hostRpcUrl = hostUrl(args.bindAddress, args.rpcHostPort);
        this.registerOutputs({
            containerName: this.containerName,
            volumeName: this.volumeName,
            rpcUrl: this.rpcUrl,
            hostRpcUrl: this.hostRpcUrl,
        });
    }
}
