/**
 * PeerMonitor: the peer-monitor service (../peer-monitor), built from the local TypeScript source into an
 * image that is never pushed, and run on the node's network against Geth's WebSocket and Prysm's API.
 */
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import { hardenedContainerArgs, healthcheck, hostUrl, localImage, namedContainer, privatePort, serviceContainerArgs } from "./docker";
import { SERVICES } from "./services";

/** The peer monitor's source and Dockerfile in this repository. */
export const PEER_MONITOR_SOURCE_DIR = path.join(__dirname, "..", "peer-monitor");

export interface PeerMonitorArgs {
    stack: string;
    networkName: pulumi.Input<string>;
    /** Geth JSON-RPC with the `admin` namespace, on the private network (WebSocket for peer events). */
    executionUrl: string;
    /** Beacon node HTTP API on the private network. */
    beaconUrl: string;
    /** Seconds between full reconciliations (stack config `peerMonitorIntervalSeconds`). */
    intervalSeconds: number;
    /** Base image for both build stages (overridable where no registry is reachable). */
    baseImage: string;
    /** Tag of the locally built image. */
    imageName: string;
    /** Directory holding the service's source and Dockerfile. Default: PEER_MONITOR_SOURCE_DIR. */
    sourceDir?: string;
    bindAddress: string;
    /** Host port for /metrics, /peers, /healthz (bindAddress only; stack config `peerMonitorPort`). */
    hostPort: number;
}

/** The service's environment: its documented `PEER_MONITOR_*` variables. */
export function peerMonitorEnv(args: Pick<PeerMonitorArgs, "executionUrl" | "beaconUrl" | "intervalSeconds">): string[] {
    return [
        `PEER_MONITOR_EL_URL=${args.executionUrl}`,
        `PEER_MONITOR_CL_URL=${args.beaconUrl}`,
        `PEER_MONITOR_INTERVAL=${args.intervalSeconds}`,
        // Every interface of its container, on its registry port (published and scraped there).
        `PEER_MONITOR_LISTEN=0.0.0.0:${SERVICES.peerMonitor.ports.http}`,
        // Not a terminal: JSON lines, which the log collector ships to Loki.
        "PEER_MONITOR_LOG_FORMAT=json",
    ];
}

/** Docker build args: the base image, and the registry port for the Dockerfile's defaults (EXPOSE, listen address). */
export function peerMonitorBuildArgs(baseImage: string): Record<string, string> {
    return { BASE_IMAGE: baseImage, LISTEN_PORT: String(SERVICES.peerMonitor.ports.http) };
}

export class PeerMonitor extends pulumi.ComponentResource {
    public readonly image: docker.Image;
    /** What the container runs: the image's repoDigest (see docker.ts, requireRepoDigest). */
    public readonly imageRef: pulumi.Output<string>;
    public readonly container: docker.Container;
    public readonly containerName: pulumi.Output<string>;
    public readonly hostUrl: string;

    constructor(name: string, args: PeerMonitorArgs, opts?: pulumi.ComponentResourceOptions) {
        super("eth-node:index:PeerMonitor", name, {}, opts);
        const child = { parent: this };
        const sourceDir = args.sourceDir ?? PEER_MONITOR_SOURCE_DIR;

        ({ image: this.image, imageRef: this.imageRef } = localImage(
            `${name}-image`,
            { imageName: args.imageName, sourceDir, buildArgs: peerMonitorBuildArgs(args.baseImage) },
            child,
        ));

        this.container = namedContainer(
            name,
            {
                ...serviceContainerArgs(args.stack, "peerMonitor", args.networkName),
                image: this.imageRef,
                envs: peerMonitorEnv(args),
                ...hardenedContainerArgs(),
                // It writes nothing to disk.
                readOnly: true,
                stopTimeout: 10,
                ports: [privatePort(SERVICES.peerMonitor.ports.http, args.hostPort, args.bindAddress)],
                healthcheck: healthcheck(["CMD", "node", "dist/healthcheck.js"], { intervalSeconds: 30, timeoutSeconds: 5, retries: 3, startPeriodSeconds: 30 }),
            },
            child,
        );
        this.containerName = this.container.name;
        this.hostUrl = hostUrl(args.bindAddress, args.hostPort);
        this.registerOutputs({ containerName: this.containerName, hostUrl: this.hostUrl, imageRef: this.imageRef });
    }
}
