/**
 * ValidatorTracker: the validator tracker next to the node (stack config `validatorTracker`) — a NATS server
 * with JetStream, and valtrack's sentry and consumer (../valtrack), one image built from the local source.
 * The sentry crawls the consensus layer's DHT and handshakes every node it finds (its P2P ports are public: it
 * needs inbound connections and discv5 answers), always bootstrapping from the node's own beacon node as well;
 * it publishes to NATS; the consumer writes parquet parts to its volume and serves the read-only API on
 * bindAddress. NATS admits one user whose password (and the API's token) come from @pulumi/random and reach
 * the containers only as secret files; the NATS server's config holds the password's bcrypt hash.
 */
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import * as random from "@pulumi/random";
import { EthNetwork } from "./config";
import {
    dataMount,
    hardenedContainerArgs,
    healthcheck,
    hostUrl,
    localImage,
    namedContainer,
    nodeHealthcheck,
    ownedDataVolume,
    privatePort,
    publicPort,
    serviceContainerArgs,
} from "./docker";
import { SERVICES, ServiceId, containerName, serviceUrl, specOf } from "./services";

/** valtrack's source and Dockerfile in this repository. */
export const VALTRACK_SOURCE_DIR = path.join(__dirname, "..", "valtrack");

const NATS = SERVICES.nats;
const SENTRY = SERVICES.valtrackSentry;
const CONSUMER = SERVICES.valtrackConsumer;

/** The one NATS user; the sentry and the consumer log in as it. */
export const NATS_USER = "valtrack";
/** The durable consumer's name (stable: a new name per deployment would orphan a durable that keeps messages). */
export const CONSUMER_NAME = "eth-node-parquet";
/** Where the NATS server finds its generated config (the secret upload). */
export const NATS_CONFIG_FILE = `${NATS.configDir}/nats-server.conf`;
/** Where the sentry and the consumer find the NATS password, and the consumer its API token (secret uploads). */
export const NATS_PASSWORD_FILE = "/secrets/nats-password";
export const API_TOKEN_FILE = "/secrets/api-token";
/** Generated secrets: letters and digits only, so they need no quoting in any file or flag. */
const SECRET_LENGTH = 32;
/**
 * valtrack's stop deadlines (SIGTERM → exit): the sentry 5 s, the consumer 10 s (flush and acknowledge); NATS
 * flushes its JetStream store. Each gets a margin before Docker's SIGKILL.
 */
export const STOP_GRACE_SECONDS = { nats: 30, sentry: 10, consumer: 20 } as const;
/** How long `pulumi up` waits for the consumer to be healthy before it fails (NATS is started before it). */
export const CONSUMER_WAIT_SECONDS = 120;

export interface ValidatorTrackerArgs {
    /** Stack name; prefixes container and volume names. */
    stack: string;
    /** The sentry's `--network`. */
    network: EthNetwork;
    /** Name of the node's private Docker network; all three containers join it with their registry alias. */
    networkName: pulumi.Input<string>;
    /** The node's beacon API on the private network (BeaconNode.apiUrl): its ENR is always a bootnode (`--bootnode-from`). */
    beaconUrl: string;
    /**
     * What the sentry is created after: the beacon node it asks for its ENR (it waits for the answer at start
     * anyway; this only spares it the wait on a first deployment). Default: nothing.
     */
    sentryAfter?: pulumi.Resource[];
    /** Pinned NATS server image with busybox (the healthcheck's wget), e.g. `docker.io/library/nats:2.15.2-alpine`. */
    natsImage: string;
    /** Node.js base image (glibc) for both stages of valtrack's Dockerfile. */
    baseImage: string;
    /** An image with `chown`, run once to hand each data volume to its service's user (the node passes Geth's). */
    volumeInitImage: pulumi.Input<string>;
    /** Directory holding valtrack's source and Dockerfile. Default: VALTRACK_SOURCE_DIR. */
    sourceDir?: string;
    /** Tag of the built image. Default: `eth-node/valtrack:<version of its package.json>` (valtrackImageName). */
    imageName?: string;
    /** Host address of the consumer's API (stack config `bindAddress`). */
    bindAddress: string;
    /** The sentry's libp2p TCP and discv5 UDP ports, on all interfaces, the same inside the container (stack config `validatorTrackerP2p*Port`). */
    p2pTcpPort: number;
    p2pUdpPort: number;
    /** Host port of the consumer's API, bindAddress only (stack config `validatorTrackerApiPort`). */
    apiHostPort: number;
    /** ENRs replacing the network's bootnodes (`validatorTrackerBootnodes`). Default: the network's. */
    bootnodes?: string[];
    /** The sentry's `--dial-concurrency` (stack config `validatorTrackerDialConcurrency`). */
    dialConcurrency: number;
    /**
     * Public IP the sentry advertises (`--external-ip`; stack config `externalIp`). IPv4 only (valtrack's ENR
     * carries an IPv4 address): with an IPv6 address, or unset, the sentry learns its address from its discv5 peers.
     */
    externalIp?: string;
    /** Delete the NATS store and the parquet parts on destroy; false (the node's default) keeps both volumes. */
    deleteVolumesOnDestroy: boolean;
}

/** `eth-node/valtrack:<version>`, the version read from valtrack's package.json (not a copy of it). */
export function valtrackImageName(sourceDir: string = VALTRACK_SOURCE_DIR): string {
    const version = JSON.parse(fs.readFileSync(path.join(sourceDir, "package.json"), "utf8")).version as string;
    return `eth-node/valtrack:${version}`;
}

/**
 * nats-server's config: the client port and the monitoring endpoint on every interface of the container (the
 * node's private network; neither is published), JetStream stored on the data volume, and one user whose
 * password is given as its bcrypt hash (nats-server compares a password starting with `$2` by bcrypt, so the
 * plaintext is never in this file). max_payload and the store limits are the server's defaults (1 MB; valtrack's
 * events are about 1 kB, and its stream keeps a message at most 7 days).
 */
export function natsServerConfig(args: { serverName: string; clientPort: number; monitoringPort: number; storeDir: string; user: string; passwordBcrypt: string }): string {
    if (!/^\$2[aby]?\$\d\d\$[./A-Za-z0-9]{53}$/.test(args.passwordBcrypt)) throw new Error("natsServerConfig: passwordBcrypt is not a bcrypt hash");
    const quoted = (v: string) => JSON.stringify(v);
    return [
        "# Generated by eth-node (components/validatorTracker.ts); replaced on every `pulumi up`.",
        `server_name: ${quoted(args.serverName)}`,
        `listen: ${quoted(`0.0.0.0:${args.clientPort}`)}`,
        `http: ${quoted(`0.0.0.0:${args.monitoringPort}`)}`,
        "jetstream {",
        `  store_dir: ${quoted(args.storeDir)}`,
        "}",
        "authorization {",
        "  users: [",
        // Quoted: unquoted, `$…` would be read as a variable reference.
        `    { user: ${quoted(args.user)}, password: ${quoted(args.passwordBcrypt)} }`,
        "  ]",
        "}",
        "",
    ].join("\n");
}

/** The flags both valtrack roles share: where NATS is and how to log in. */
function natsFlags(): string[] {
    return [`--nats=${serviceUrl("nats", "client", "nats")}`, `--nats-user=${NATS_USER}`, `--nats-password-file=${NATS_PASSWORD_FILE}`];
}

/** The sentry's command line (pure; read by tests). */
export function sentryCommand(
    args: Pick<ValidatorTrackerArgs, "network" | "beaconUrl" | "p2pTcpPort" | "p2pUdpPort" | "bootnodes" | "dialConcurrency" | "externalIp">,
): string[] {
    const advertised = args.externalIp !== undefined && net.isIPv4(args.externalIp) ? args.externalIp : undefined;
    return [
        "sentry",
        `--network=${args.network}`,
        ...natsFlags(),
        `--bootnode-from=${args.beaconUrl}`,
        ...(args.bootnodes ? [`--bootnodes=${args.bootnodes.join(",")}`] : []),
        `--dial-concurrency=${args.dialConcurrency}`,
        "--listen-ip=0.0.0.0",
        `--p2p-tcp-port=${args.p2pTcpPort}`,
        `--discv5-port=${args.p2pUdpPort}`,
        ...(advertised ? [`--external-ip=${advertised}`] : []),
        `--metrics-addr=0.0.0.0:${SENTRY.ports.metrics}`,
    ];
}

/** The consumer's command line (pure; read by tests). */
export function consumerCommand(): string[] {
    return [
        "consumer",
        ...natsFlags(),
        `--name=${CONSUMER_NAME}`,
        `--data-dir=${CONSUMER.dataDir}`,
        `--metrics-addr=0.0.0.0:${CONSUMER.ports.metrics}`,
        `--api=0.0.0.0:${CONSUMER.ports.api}`,
        `--api-token-file=${API_TOKEN_FILE}`,
    ];
}

/** A secret file readable only by one service's user. */
function secretUpload(file: string, content: pulumi.Input<string>, id: ServiceId): docker.types.input.ContainerUpload {
    const { uid, gid } = specOf(id).user;
    return { file, content: pulumi.secret(content), owner: String(uid), group: String(gid), permissions: "0400" };
}

export class ValidatorTracker extends pulumi.ComponentResource {
    public readonly image: docker.Image;
    /** What the sentry and the consumer run: the image's repoDigest, so a source change replaces them. */
    public readonly imageRef: pulumi.Output<string>;
    public readonly nats: docker.Container;
    public readonly sentry: docker.Container;
    public readonly consumer: docker.Container;
    public readonly containerNames: { nats: pulumi.Output<string>; sentry: pulumi.Output<string>; consumer: pulumi.Output<string> };
    public readonly volumeNames: { nats: pulumi.Output<string>; consumer: pulumi.Output<string> };
    /** The consumer's API as published on the host. */
    public readonly apiUrl: string;
    /** The API's bearer token; a Pulumi secret (`pulumi stack output --show-secrets validatorTrackerApiToken`). */
    public readonly apiToken: pulumi.Output<string>;

    constructor(name: string, args: ValidatorTrackerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("eth-node:index:ValidatorTracker", name, {}, opts);
        const child = { parent: this };
        const sourceDir = args.sourceDir ?? VALTRACK_SOURCE_DIR;
        const imageName = args.imageName ?? valtrackImageName(sourceDir);

        const natsPassword = new random.RandomPassword(`${name}-nats-password`, { length: SECRET_LENGTH, special: false }, child);
        const apiToken = new random.RandomPassword(`${name}-api-token`, { length: SECRET_LENGTH, special: false }, child);
        const password = pulumi.secret(natsPassword.result);
        this.apiToken = pulumi.secret(apiToken.result);

        ({ image: this.image, imageRef: this.imageRef } = localImage(`${name}-image`, { imageName, sourceDir, buildArgs: { BASE_IMAGE: args.baseImage } }, child));

        const natsData = ownedDataVolume(
            `${name}-nats-data`,
            { stack: args.stack, service: "nats", deleteOnDestroy: args.deleteVolumesOnDestroy, initImage: args.volumeInitImage },
            child,
        );
        const config = pulumi.secret(natsPassword.bcryptHash).apply((passwordBcrypt) =>
            natsServerConfig({
                serverName: containerName(args.stack, "nats"),
                clientPort: NATS.ports.client,
                monitoringPort: NATS.ports.monitoring,
                storeDir: NATS.dataDir,
                user: NATS_USER,
                passwordBcrypt,
            }),
        );
        this.nats = namedContainer(
            `${name}-nats`,
            {
                ...serviceContainerArgs(args.stack, "nats", args.networkName),
                image: args.natsImage,
                entrypoints: ["nats-server"],
                command: ["--config", NATS_CONFIG_FILE],
                ...hardenedContainerArgs(),
                stopTimeout: STOP_GRACE_SECONDS.nats,
                destroyGraceSeconds: STOP_GRACE_SECONDS.nats,
                volumes: [dataMount(natsData.volume, "nats")],
                uploads: [secretUpload(NATS_CONFIG_FILE, config, "nats")],
                // Client and monitoring ports stay on the node's network: nothing is published.
                healthcheck: healthcheck(["CMD", "wget", "-q", "--spider", `http://127.0.0.1:${NATS.ports.monitoring}/healthz`], {
                    intervalSeconds: 30,
                    timeoutSeconds: 5,
                    retries: 3,
                    startPeriodSeconds: 30,
                }),
            },
            { ...child, dependsOn: [natsData.owner] },
        );

        const consumerData = ownedDataVolume(
            `${name}-consumer-data`,
            { stack: args.stack, service: "valtrackConsumer", deleteOnDestroy: args.deleteVolumesOnDestroy, initImage: args.volumeInitImage },
            child,
        );
        this.consumer = namedContainer(
            `${name}-consumer`,
            {
                ...serviceContainerArgs(args.stack, "valtrackConsumer", args.networkName),
                image: this.imageRef,
                command: consumerCommand(),
                ...hardenedContainerArgs(),
                stopTimeout: STOP_GRACE_SECONDS.consumer,
                destroyGraceSeconds: STOP_GRACE_SECONDS.consumer,
                volumes: [dataMount(consumerData.volume, "valtrackConsumer")],
                uploads: [secretUpload(NATS_PASSWORD_FILE, password, "valtrackConsumer"), secretUpload(API_TOKEN_FILE, this.apiToken, "valtrackConsumer")],
                ports: [privatePort(CONSUMER.ports.api, args.apiHostPort, args.bindAddress)],
                healthcheck: nodeHealthcheck(CONSUMER.ports.metrics, 60),
                // Created only once healthy (connected, its durable exists): with Interest retention the stream
                // discards what the sentry publishes before any durable exists.
                wait: true,
                waitTimeout: CONSUMER_WAIT_SECONDS,
            },
            // NATS first; the sentry after the consumer: the stream keeps a message only for a durable that exists.
            { ...child, dependsOn: [consumerData.owner, this.nats] },
        );

        this.sentry = namedContainer(
            `${name}-sentry`,
            {
                ...serviceContainerArgs(args.stack, "valtrackSentry", args.networkName),
                image: this.imageRef,
                command: sentryCommand(args),
                ...hardenedContainerArgs(),
                // Not a read-only root filesystem, though it writes nothing to disk: Docker refuses to copy the
                // password file into one ("container rootfs is marked read-only"; found by the e2e run).
                stopTimeout: STOP_GRACE_SECONDS.sentry,
                destroyGraceSeconds: STOP_GRACE_SECONDS.sentry,
                uploads: [secretUpload(NATS_PASSWORD_FILE, password, "valtrackSentry")],
                // Both on all interfaces, container port = host port (see sentryCommand).
                ports: [publicPort(args.p2pTcpPort, args.p2pTcpPort, "tcp"), publicPort(args.p2pUdpPort, args.p2pUdpPort, "udp")],
                // Its start waits (at most 5 minutes) for the beacon node's identity.
                healthcheck: nodeHealthcheck(SENTRY.ports.metrics, 300),
            },
            { ...child, dependsOn: [this.consumer, ...(args.sentryAfter ?? [])] },
        );

        this.containerNames = { nats: this.nats.name, sentry: this.sentry.name, consumer: this.consumer.name };
        this.volumeNames = { nats: natsData.volume.name, consumer: consumerData.volume.name };
        this.apiUrl = hostUrl(args.bindAddress, args.apiHostPort);
        this.registerOutputs({
            imageRef: this.imageRef,
            containerNames: this.containerNames,
            volumeNames: this.volumeNames,
            apiUrl: this.apiUrl,
            apiToken: this.apiToken,
        });
    }
}
