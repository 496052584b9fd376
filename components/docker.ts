/**
 * Container and volume building blocks shared by every component, so each role states only what is
 * particular to it (image, flags, ports) and inherits one hardening baseline.
 */
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import { ServiceId, containerName, dataVolumeName, specOf, userSpec } from "./services";

/** Container labels naming the stack and the role; also copied into every log line (see LOG_OPTIONS). */
export const STACK_LABEL = "eth-node.stack";
export const ROLE_LABEL = "eth-node.role";

/**
 * json-file logs rotated at 5 × 50 MB per container, so a busy client cannot fill the disk with logs. The
 * stack/role labels are copied into each line, which the log collector turns into Loki labels (json-file
 * lines carry no container name).
 */
export const LOG_OPTIONS: Record<string, string> = {
    "max-size": "50m",
    "max-file": "5",
    labels: `${STACK_LABEL},${ROLE_LABEL}`,
};

/**
 * The baseline every long-running container gets: restart unless stopped, rotated json-file logs,
 * no privilege escalation through setuid binaries, and every Linux capability dropped (none of our services
 * binds a port below 1024 or changes file ownership at run time).
 */
export function hardenedContainerArgs(): Pick<
    docker.ContainerArgs,
    "restart" | "logDriver" | "logOpts" | "securityOpts" | "capabilities" | "mustRun"
> {
    return {
        restart: "unless-stopped",
        logDriver: "json-file",
        logOpts: LOG_OPTIONS,
        securityOpts: ["no-new-privileges:true"],
        capabilities: { drops: ["ALL"] },
        mustRun: true,
    };
}

export type PortProtocol = "tcp" | "udp";

/** A port published on every host interface: only peer-to-peer ports, which peers must reach. */
export function publicPort(port: number, hostPort: number, protocol: PortProtocol): docker.types.input.ContainerPort {
    return { internal: port, external: hostPort, ip: "0.0.0.0", protocol };
}

/** A port published on one host address only (default 127.0.0.1): APIs, UIs and metrics. */
export function privatePort(port: number, hostPort: number, bindAddress: string): docker.types.input.ContainerPort {
    return { internal: port, external: hostPort, ip: bindAddress, protocol: "tcp" };
}

/**
 * A container with a fixed name. Every container of the stack has one (and most have fixed host ports), so
 * Pulumi's default replacement — create the new container, then delete the old — would fail with "name
 * already in use" or "port is already allocated" (pulumi-docker #1356). `deleteBeforeReplace` removes the
 * old container first; this is the only place containers are declared, so none can miss it.
 */
export function namedContainer(resourceName: string, args: docker.ContainerArgs, opts: pulumi.CustomResourceOptions): docker.Container {
    return new docker.Container(resourceName, args, { ...opts, deleteBeforeReplace: true });
}

/** What every service container shares: its registry name, user, alias on the node's network and labels. */
export function serviceContainerArgs(
    stack: string,
    id: ServiceId,
    networkName: pulumi.Input<string>,
): Pick<docker.ContainerArgs, "name" | "user" | "networksAdvanced" | "labels"> {
    return {
        name: containerName(stack, id),
        user: userSpec(id),
        networksAdvanced: [{ name: networkName, aliases: [specOf(id).alias] }],
        labels: stackLabels(stack, specOf(id).role),
    };
}

export interface DataVolumeArgs {
    stack: string;
    /** The service whose data the volume holds: its name (`…-<containerSuffix>-data`) and role label. */
    service: ServiceId;
    /** When false (the default), the volume is kept when the stack is destroyed: chain data is expensive. */
    deleteOnDestroy: boolean;
}

/**
 * A service's named data volume, which survives `pulumi destroy` unless the operator opted in to deleting
 * it: re-syncing a 1 TB chain database takes days. `retainOnDelete` makes Pulumi forget the volume instead
 * of removing it.
 */
export function dataVolume(resourceName: string, args: DataVolumeArgs, opts: pulumi.CustomResourceOptions): docker.Volume {
    return new docker.Volume(
        resourceName,
        {
            name: dataVolumeName(args.stack, args.service),
            driver: "local",
            labels: stackLabels(args.stack, specOf(args.service).role),
        },
        { ...opts, retainOnDelete: !args.deleteOnDestroy, protect: false },
    );
}

/** The container path a service's data volume is mounted at. */
export function dataMount(volume: docker.Volume, id: ServiceId): docker.types.input.ContainerVolume {
    const dir = specOf(id).dataDir;
    if (dir === undefined) throw new Error(`service ${id} has no data directory`);
    return { volumeName: volume.name, containerPath: dir };
}

export interface OwnedDataVolumeArgs extends DataVolumeArgs {
    /** An image that ships `chown` (a shell-less image cannot initialise its own volume). */
    initImage: pulumi.Input<string>;
}

export const VOLUME_INIT_MOUNT = "/volume";

/**
 * A data volume handed to a non-root service (its registry user). Docker creates volumes owned by root, so a
 * client running as uid 10001 could not write its datadir; a one-shot container chowns the volume's top
 * directory — never -R over a terabyte — and exits. It is the one container that keeps CAP_CHOWN; the
 * service must depend on `owner` so it starts after it.
 */
export function ownedDataVolume(
    resourceName: string,
    args: OwnedDataVolumeArgs,
    opts: pulumi.CustomResourceOptions,
): { volume: docker.Volume; owner: docker.Container } {
    const volume = dataVolume(resourceName, args, opts);
    const owner = namedContainer(
        `${resourceName}-owner`,
        {
            name: `${dataVolumeName(args.stack, args.service)}-owner`,
            image: args.initImage,
            entrypoints: ["chown"],
            command: [userSpec(args.service), VOLUME_INIT_MOUNT],
            user: "0:0",
            volumes: [{ volumeName: volume.name, containerPath: VOLUME_INIT_MOUNT }],
            securityOpts: ["no-new-privileges:true"],
            capabilities: { drops: ["ALL"], adds: ["CHOWN"] },
            logDriver: "json-file",
            logOpts: LOG_OPTIONS,
            restart: "no",
            // Runs to completion during `pulumi up`; an exited init container is its expected state.
            mustRun: false,
            attach: true,
            logs: true,
        },
        opts,
    );
    return { volume, owner };
}

/** Labels every resource of the stack carries, so operators can find them with `docker ps --filter label=…`. */
export function stackLabels(stack: string, role: string): docker.types.input.ContainerLabel[] {
    return [
        { label: STACK_LABEL, value: stack },
        { label: ROLE_LABEL, value: role },
    ];
}

/** `http://host:port` for a published port; IPv6 literals get brackets. */
export function hostUrl(bindAddress: string, port: number): string {
    const host = bindAddress.includes(":") ? `[${bindAddress}]` : bindAddress;
    return `http://${host}:${port}`;
}

/**
 * The image reference a container runs: the build's repoDigest (for a local image, its image id), which
 * changes with every build whose result differs, so a source change replaces the container. The fixed tag
 * would not: the container's inputs would stay the same and it would keep running the old image.
 */
export function requireRepoDigest(imageName: string, repoDigest: string | undefined): string {
    if (!repoDigest) {
        throw new Error(
            `The Docker provider reported no repoDigest for the built image ${imageName}; refusing to run a container ` +
                "from its tag, which would not pick up a rebuilt image. Check the image build in the update's log.",
        );
    }
    return repoDigest;
}

export interface LocalImageArgs {
    /** Tag of the built image. */
    imageName: string;
    /** Build context: the service's source and its Dockerfile. */
    sourceDir: string;
    /** Docker build args. */
    buildArgs: Record<string, string>;
}

/**
 * An image built from a directory of this repository on the target engine and never pushed (there is no
 * registry to push to), with the reference its containers run: the repoDigest (requireRepoDigest).
 */
export function localImage(resourceName: string, args: LocalImageArgs, opts: pulumi.CustomResourceOptions): { image: docker.Image; imageRef: pulumi.Output<string> } {
    const image = new docker.Image(
        resourceName,
        {
            imageName: args.imageName,
            build: { context: args.sourceDir, dockerfile: path.join(args.sourceDir, "Dockerfile"), args: args.buildArgs },
            skipPush: true,
        },
        opts,
    );
    return { image, imageRef: image.repoDigest.apply((digest) => requireRepoDigest(args.imageName, digest)) };
}

/**
 * Whole seconds as Go's time.Duration prints them ("30s", "2m0s", "1h0m0s"). Docker keeps a healthcheck's
 * durations as nanoseconds and the provider reads them back in this form, so a value written any other way
 * ("2m") differs from the state after every `up`: a perpetual diff that `preview --expect-no-changes` fails on.
 */
export function dockerDuration(seconds: number): string {
    if (!Number.isInteger(seconds) || seconds < 0) throw new Error(`dockerDuration: ${seconds} is not a whole number of seconds >= 0`);
    const h = Math.floor(seconds / 3600);
    const m = Math.floor((seconds % 3600) / 60);
    const s = seconds % 60;
    if (h > 0) return `${h}h${m}m${s}s`;
    return m > 0 ? `${m}m${s}s` : `${s}s`;
}

export interface HealthcheckTiming {
    intervalSeconds: number;
    timeoutSeconds: number;
    retries: number;
    /** Failures in this period after start do not count. */
    startPeriodSeconds: number;
    /** Probe interval during the start period (Docker >= 25; older engines ignore it). */
    startIntervalSeconds?: number;
}

/** A container healthcheck, its durations in the form the provider reads back (dockerDuration). */
export function healthcheck(tests: string[], t: HealthcheckTiming): docker.types.input.ContainerHealthcheck {
    return {
        tests,
        interval: dockerDuration(t.intervalSeconds),
        timeout: dockerDuration(t.timeoutSeconds),
        retries: t.retries,
        startPeriod: dockerDuration(t.startPeriodSeconds),
        ...(t.startIntervalSeconds !== undefined && { startInterval: dockerDuration(t.startIntervalSeconds) }),
    };
}

/**
 * A healthcheck that GETs `/healthz` on the container's own port with Node.js (the images built from this
 * repository have node, and neither curl nor wget).
 */
export function nodeHealthcheck(port: number, startPeriodSeconds: number): docker.types.input.ContainerHealthcheck {
    const probe = `fetch('http://127.0.0.1:${port}/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`;
    // startInterval: checked every 2 s while starting, so a container others wait for (`wait: true`) is
    // healthy within seconds of being ready, not at the first 30 s interval.
    return healthcheck(["CMD", "node", "-e", probe], { intervalSeconds: 30, timeoutSeconds: 5, retries: 3, startPeriodSeconds, startIntervalSeconds: 2 });
}

