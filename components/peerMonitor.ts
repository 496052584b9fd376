/**
 * PeerMonitor: the peer-monitor service (../peer-monitor), built from the local TypeScript source into an
 * image that is never pushed, and run on the node's network against Geth's WebSocket and Prysm's API.
 */
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import { hardenedContainerArgs, hostUrl, privatePort, stackLabels } from "./docker";
import { PEER_MONITOR_ALIAS, PEER_MONITOR_METRICS, PEER_MONITOR_PORT } from "./endpoints";
import { MetricsEndpoint } from "./metrics";

export const PEER_MONITOR_UID = 10003;
export const PEER_MONITOR_SOURCE_DIR = path.join(__dirname, "..", "peer-monitor");

export interface PeerMonitorArgs {
    stack: string;
    networkName: pulumi.Input<string>;
    /** Geth JSON-RPC with the `admin` namespace, on the private network (WebSocket for peer events). */
    executionUrl: string;
    /** Beacon node HTTP API on the private network. */
    beaconUrl: string;
    /** Seconds between full reconciliations. Default 15. */
    intervalSeconds: number;
    /** Base image for both build stages (overridable where no registry is reachable). */
    baseImage: string;
    /** Tag of the locally built image. */
    imageName: string;
    bindAddress: string;
    /** Host port for /metrics, /peers, /healthz (bindAddress only). Default 9200. */
    hostPort: number;
}

/** The service's environment: its documented `PEER_MONITOR_*` variables. */
export function peerMonitorEnv(args: Pick<PeerMonitorArgs, "executionUrl" | "beaconUrl" | "intervalSeconds">): string[] {
    return [
        `PEER_MONITOR_EL_URL=${args.executionUrl}`,
        `PEER_MONITOR_CL_URL=${args.beaconUrl}`,
        `PEER_MONITOR_INTERVAL=${args.intervalSeconds}`,
        `PEER_MONITOR_LISTEN=0.0.0.0:${PEER_MONITOR_PORT}`,
        // Not a terminal: JSON lines, which the log collector ships to Loki.
        "PEER_MONITOR_LOG_FORMAT=json",
    ];
}

export class PeerMonitor extends pulumi.ComponentResource {
    public readonly image: docker.Image;
    public readonly container: docker.Container;
    public readonly containerName: pulumi.Output<string>;
    public readonly hostUrl: string;
    public readonly metricsEndpoints: MetricsEndpoint[] = [PEER_MONITOR_METRICS];

    constructor(name: string, args: PeerMonitorArgs, opts?: pulumi.ComponentResourceOptions) {
        super("eth-node:index:PeerMonitor", name, {}, opts);
        const child = { parent: this };

        this.image = new docker.Image(
            `${name}-image`,
            {
                imageName: args.imageName,
                build: {
                    context: PEER_MONITOR_SOURCE_DIR,
                    dockerfile: path.join(PEER_MONITOR_SOURCE_DIR, "Dockerfile"),
                    args: { BASE_IMAGE: args.baseImage },
                },
                // Built on (and for) the target engine; there is no registry to push to.
                skipPush: true,
            },
            child,
        );

        this.container = new docker.Container(
            name,
            {
                name: `eth-node-${args.stack}-peer-monitor`,
                image: this.image.imageName,
                envs: peerMonitorEnv(args),
                user: `${PEER_MONITOR_UID}:${PEER_MONITOR_UID}`,
                ...hardenedContainerArgs(),
                // It writes nothing to disk.
                readOnly: true,
                stopTimeout: 10,
                networksAdvanced: [{ name: args.networkName, aliases: [PEER_MONITOR_ALIAS] }],
                ports: [privatePort(PEER_MONITOR_PORT, args.hostPort, args.bindAddress)],
                healthcheck: {
                    tests: ["CMD", "node", "dist/healthcheck.js"],
                    interval: "30s",
                    timeout: "5s",
                    retries: 3,
                    startPeriod: "30s",
                },
                labels: stackLabels(args.stack, "peer-monitor"),
            },
            child,
        );
        this.containerName = this.container.name;
        this.hostUrl = hostUrl(args.bindAddress, args.hostPort);
        this.registerOutputs({ containerName: this.containerName, hostUrl: this.hostUrl });
    }
}
