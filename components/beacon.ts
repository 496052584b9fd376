/**
 * BeaconNode: one Prysm beacon-chain container, its data volume, checkpoint sync and the engine-API link to
 * the execution node.
 */
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import { EthNetwork } from "./config";
import { dataMount, hardenedContainerArgs, hostUrl, namedContainer, ownedDataVolume, privatePort, publicPort, serviceContainerArgs } from "./docker";
import { JWT_PATH, jwtUpload } from "./nodeNetwork";
import { SERVICES, serviceUrl } from "./services";

const PRYSM = SERVICES.beacon;
export const PRYSM_STOP_GRACE_SECONDS = 120;

export interface BeaconNodeArgs {
    /** Stack name; prefixes container and volume names. */
    stack: string;
    network: EthNetwork;
    /** Pinned Prysm beacon-chain image, e.g. `gcr.io/offchainlabs/prysm/beacon-chain:v7.1.2`. */
    image: string;
    /**
     * An image with `chown`, used once to hand the data volume to Prysm's user. Prysm's image is distroless (no
     * shell, no coreutils), so it cannot do this itself; the Geth image (Alpine/busybox) can.
     */
    volumeInitImage: string;
    networkName: pulumi.Input<string>;
    /** The same 32-byte engine-API secret the execution node holds; must be a Pulumi secret. */
    jwtSecretHex: pulumi.Input<string>;
    /** Engine API of the execution node on the private network (ExecutionNode.engineUrl). */
    executionEndpoint: string;
    /** Checkpoint sync source (a beacon API serving finalized states); undefined = sync from genesis. */
    checkpointSyncUrl?: string;
    /** Host address the beacon API is published on (stack config `bindAddress`). */
    bindAddress: string;
    /** Host ports for libp2p TCP, discv5 UDP and QUIC (udp), all interfaces (stack config `clP2p*Port`). */
    p2pTcpHostPort: number;
    p2pUdpHostPort: number;
    p2pQuicHostPort: number;
    /** Host port for the beacon HTTP API, bindAddress only (stack config `clApiPort`). */
    apiHostPort: number;
    /** `--p2p-max-peers` (stack config `clMaxPeers`). */
    maxPeers: number;
    /** Public IP announced to peers (`--p2p-host-ip`). */
    externalIp?: string;
    /** Delete the data volume on destroy; false keeps it through `pulumi destroy`. */
    deleteVolumeOnDestroy: boolean;
}

/** Prysm's command line for these args (pure; read by tests and the e2e harness). */
export function prysmCommand(
    args: Pick<BeaconNodeArgs, "network" | "executionEndpoint" | "checkpointSyncUrl" | "maxPeers" | "externalIp">,
): string[] {
    const { ports } = PRYSM;
    return [
        "--accept-terms-of-use",
        `--${args.network}`,
        `--datadir=${PRYSM.dataDir}`,
        `--execution-endpoint=${args.executionEndpoint}`,
        `--jwt-secret=${JWT_PATH}`,
        ...(args.checkpointSyncUrl
            ? [`--checkpoint-sync-url=${args.checkpointSyncUrl}`, `--genesis-beacon-api-url=${args.checkpointSyncUrl}`]
            : []),
        "--http-host=0.0.0.0",
        `--http-port=${ports.http}`,
        "--monitoring-host=0.0.0.0",
        `--monitoring-port=${ports.metrics}`,
        `--p2p-tcp-port=${ports.p2pTcp}`,
        `--p2p-udp-port=${ports.p2pUdp}`,
        `--p2p-quic-port=${ports.p2pQuic}`,
        `--p2p-max-peers=${args.maxPeers}`,
        ...(args.externalIp ? [`--p2p-host-ip=${args.externalIp}`] : []),
    ];
}

export class BeaconNode extends pulumi.ComponentResource {
    public readonly container: docker.Container;
    public readonly containerName: pulumi.Output<string>;
    public readonly volumeName: pulumi.Output<string>;
    /** Beacon HTTP API on the private network. */
    public readonly apiUrl = serviceUrl("beacon", "http");
    /** Beacon HTTP API as published on the host. */
    public readonly hostApiUrl: string;

    constructor(name: string, args: BeaconNodeArgs, opts?: pulumi.ComponentResourceOptions) {
        super("eth-node:index:BeaconNode", name, {}, opts);
        const child = { parent: this };

        const { volume, owner } = ownedDataVolume(
            `${name}-data`,
            { stack: args.stack, service: "beacon", deleteOnDestroy: args.deleteVolumeOnDestroy, initImage: args.volumeInitImage },
            child,
        );

        this.container = namedContainer(
            name,
            {
                ...serviceContainerArgs(args.stack, "beacon", args.networkName),
                image: args.image,
                command: prysmCommand(args),
                ...hardenedContainerArgs(),
                stopTimeout: PRYSM_STOP_GRACE_SECONDS,
                destroyGraceSeconds: PRYSM_STOP_GRACE_SECONDS,
                volumes: [dataMount(volume, "beacon")],
                uploads: [jwtUpload(args.jwtSecretHex, PRYSM.user)],
                ports: [
                    publicPort(PRYSM.ports.p2pTcp, args.p2pTcpHostPort, "tcp"),
                    publicPort(PRYSM.ports.p2pUdp, args.p2pUdpHostPort, "udp"),
                    publicPort(PRYSM.ports.p2pQuic, args.p2pQuicHostPort, "udp"),
                    privatePort(PRYSM.ports.http, args.apiHostPort, args.bindAddress),
                ],
                // No Docker healthcheck: the upstream image is distroless (no shell, curl or wget) and Prysm
                // has no self-probe subcommand. Liveness is covered by the readiness step, Prometheus'
                // TargetDown alert and the peer monitor's /healthz on the beacon API.
            },
            { ...child, dependsOn: [owner] },
        );

        this.containerName = this.container.name;
        this.volumeName = volume.name;
        this.hostApiUrl = hostUrl(args.bindAddress, args.apiHostPort);
        this.registerOutputs({
            containerName: this.containerName,
            volumeName: this.volumeName,
            apiUrl: this.apiUrl,
            hostApiUrl: this.hostApiUrl,
        });
    }
}
