/**
 * Stack configuration: one typed module reads and validates every `eth-node:*` key before any resource is
 * declared. Parsing is a function over two readers — one for plain keys, one for secret keys — so it can be
 * tested without Pulumi; secret values stay Pulumi secrets (components/configValues.ts, parseSecret).
 */
import * as net from "net";
import { CONFIG_NAMESPACE, ConfigError, ConfigReader, SecretConfigReader, parseBool, parseHttpUrl, parseImage, parseIntInRange, parsePort } from "./configValues";
import { MonitoringConfig, parseMonitoringConfig } from "./monitoringConfig";
import { SERVICES } from "./services";

export { CONFIG_NAMESPACE, ConfigError, ConfigReader, SecretConfigReader } from "./configValues";

export const NETWORKS = ["mainnet", "sepolia", "hoodi"] as const;
export type EthNetwork = (typeof NETWORKS)[number];

/** Pinned releases. Never `latest`/`stable`: an image tag must name one immutable client release. */
export const DEFAULT_IMAGES = {
    geth: "ethereum/client-go:v1.17.10",
    prysm: "gcr.io/offchainlabs/prysm/beacon-chain:v7.1.2",
} as const;

/**
 * The validator tracker's images: NATS (the Alpine build: its busybox `wget` is the healthcheck) and the Node.js
 * base valtrack is built on (glibc: DuckDB's native binding). NATS is named with its registry: a bare `nats:…`
 * would read like the `nats` alias on the node's network.
 */
export const DEFAULT_VALIDATOR_TRACKER_IMAGES = {
    nats: "docker.io/library/nats:2.15.2-alpine",
    base: "node:24-bookworm-slim",
} as const;

/**
 * Checkpoint-sync providers per network (community-run beacon APIs serving finalized states). Without one, a
 * beacon node syncs from genesis, which takes days.
 */
export const DEFAULT_CHECKPOINT_SYNC_URLS: Record<EthNetwork, string> = {
    mainnet: "https://beaconstate.info",
    sepolia: "https://sepolia.beaconstate.info",
    hoodi: "https://hoodi.beaconstate.info",
};

/** Host ports; each is published only when it has a value (P2P on all interfaces, the rest on bindAddress). */
export interface PortConfig {
    /** Geth devp2p, tcp+udp, published on all interfaces. */
    elP2p: number;
    /** Prysm libp2p TCP (and QUIC on udp with the same number), published on all interfaces. */
    clP2pTcp: number;
    /** Prysm discv5 UDP, published on all interfaces. */
    clP2pUdp: number;
    /** Prysm QUIC (udp), published on all interfaces. */
    clP2pQuic: number;
    /** Geth HTTP JSON-RPC (eth,net,web3), published on bindAddress. */
    elRpc: number;
    /** Prysm beacon HTTP API, published on bindAddress. */
    clApi: number;
    /** Peer monitor HTTP (/metrics, /peers, /healthz), published on bindAddress. */
    peerMonitor: number;
    /** Prometheus UI/API, published on bindAddress. */
    prometheus: number;
    /** Alertmanager UI/API, published on bindAddress. */
    alertmanager: number;
    /** Grafana UI, published on bindAddress. */
    grafana: number;
}

/** The validator tracker (components/validatorTracker.ts): NATS JetStream, valtrack's sentry and consumer. */
export interface ValidatorTrackerConfig {
    /** Deploy it (`validatorTracker`; off by default). Its keys are validated either way. */
    enabled: boolean;
    /** Pinned NATS server image (`natsImage`). */
    natsImage: string;
    /** Node.js base image valtrack is built on (`validatorTrackerBaseImage`). */
    baseImage: string;
    /** The sentry's libp2p TCP port, published on all interfaces; the sentry listens on it too (it advertises it). */
    p2pTcpPort: number;
    /** The sentry's discv5 UDP port, likewise. */
    p2pUdpPort: number;
    /** Host port of the consumer's read-only API, on bindAddress. */
    apiPort: number;
    /** ENRs replacing the network's bootnodes (`validatorTrackerBootnodes`); undefined: the network's. The node's own beacon node is added either way. */
    bootnodes: string[] | undefined;
    /** The sentry's dials and handshakes in flight (`validatorTrackerDialConcurrency`, 1–1024). */
    dialConcurrency: number;
}

export interface ReadinessConfig {
    /** Run the post-deploy readiness check (waits for the RPC/API and exports sync status). */
    enabled: boolean;
    /** Give up after this many seconds. */
    timeoutSeconds: number;
}

export interface NodeConfig {
    network: EthNetwork;
    images: { geth: string; prysm: string };
    bindAddress: string;
    ports: PortConfig;
    /** Checkpoint sync URL, or undefined when checkpoint sync is turned off. */
    checkpointSyncUrl: string | undefined;
    elMaxPeers: number;
    clMaxPeers: number;
    /** Public IP announced to peers (`--nat extip:` / `--p2p-host-ip`), when the host is behind NAT. */
    externalIp: string | undefined;
    /** Delete chain-data volumes on `pulumi destroy` (off: volumes survive destroy). */
    deleteVolumesOnDestroy: boolean;
    /** Docker engine to deploy to (`unix:///var/run/docker.sock`, `ssh://user@host`, `tcp://…`); undefined = local default. */
    dockerHost: string | undefined;
    readiness: ReadinessConfig;
    /** Seconds between peer-monitor reconciliations (`admin_peers`, beacon `/eth/v1/node/peers`). */
    peerMonitorIntervalSeconds: number;
    /** Base image the peer monitor is built on (a Node.js image; local where no registry is reachable). */
    peerMonitorBaseImage: string;
    /** Monitoring stack images, retention, alert routing and thresholds (components/monitoringConfig.ts). */
    monitoring: MonitoringConfig;
    validatorTracker: ValidatorTrackerConfig;
}

/** A published port's default host port is the service's own port (components/services.ts). */
const samePort = (port: number): string => String(port);

/** Every key this module reads, with its default; the README's configuration reference mirrors this table. */
export const CONFIG_KEYS = {
    network: "mainnet",
    gethImage: DEFAULT_IMAGES.geth,
    prysmImage: DEFAULT_IMAGES.prysm,
    bindAddress: "127.0.0.1",
    elP2pPort: samePort(SERVICES.execution.ports.p2p),
    clP2pTcpPort: samePort(SERVICES.beacon.ports.p2pTcp),
    clP2pUdpPort: samePort(SERVICES.beacon.ports.p2pUdp),
    clP2pQuicPort: samePort(SERVICES.beacon.ports.p2pQuic),
    elRpcPort: samePort(SERVICES.execution.ports.http),
    clApiPort: samePort(SERVICES.beacon.ports.http),
    peerMonitorPort: samePort(SERVICES.peerMonitor.ports.http),
    prometheusPort: samePort(SERVICES.prometheus.ports.http),
    alertmanagerPort: samePort(SERVICES.alertmanager.ports.http),
    grafanaPort: samePort(SERVICES.grafana.ports.http),
    peerMonitorIntervalSeconds: "15",
    peerMonitorBaseImage: "node:24-bookworm-slim",
    checkpointSync: "true",
    checkpointSyncUrl: "(per network)",
    elMaxPeers: "50",
    clMaxPeers: "70",
    externalIp: "(unset)",
    deleteVolumesOnDestroy: "false",
    dockerHost: "(local engine)",
    readinessCheck: "true",
    readinessTimeoutSeconds: "600",
    validatorTracker: "false",
    natsImage: DEFAULT_VALIDATOR_TRACKER_IMAGES.nats,
    validatorTrackerBaseImage: DEFAULT_VALIDATOR_TRACKER_IMAGES.base,
    validatorTrackerP2pTcpPort: samePort(SERVICES.valtrackSentry.ports.p2pTcp),
    validatorTrackerP2pUdpPort: samePort(SERVICES.valtrackSentry.ports.p2pUdp),
    validatorTrackerApiPort: samePort(SERVICES.valtrackConsumer.ports.api),
    validatorTrackerBootnodes: "(the network's)",
    validatorTrackerDialConcurrency: "32",
} as const;

export function parseNetwork(key: string, value: string): EthNetwork {
    if ((NETWORKS as readonly string[]).includes(value)) return value as EthNetwork;
    throw new ConfigError(key, value, `expected one of ${NETWORKS.join(", ")}`);
}

export function parseIp(key: string, value: string): string {
    if (net.isIP(value) === 0) throw new ConfigError(key, value, "expected an IPv4 or IPv6 address");
    return value;
}

export function parseDockerHost(key: string, value: string): string {
    const allowed = "expected unix:///path, tcp://host:port or ssh://[user@]host[:port]";
    let url: URL;
    try {
        url = new URL(value);
    } catch {
        throw new ConfigError(key, value, allowed);
    }
    const ok =
        (url.protocol === "unix:" && url.pathname.length > 1) ||
        ((url.protocol === "tcp:" || url.protocol === "ssh:") && url.hostname.length > 0);
    if (!ok) throw new ConfigError(key, value, allowed);
    return value;
}

/** EIP-778: a node record is at most 300 bytes. */
const MAX_ENR_BYTES = 300;

/**
 * A comma-separated list of ENRs (`enr:` and the record's RLP in unpadded base64url). The form is checked here;
 * the sentry verifies each record's signature at start and refuses a bad one, naming its position.
 */
export function parseEnrList(key: string, value: string): string[] {
    const entries = value.split(",").map((e) => e.trim());
    entries.forEach((enr, i) => {
        const body = enr.startsWith("enr:") ? enr.slice(4) : undefined;
        const bytes = body !== undefined && /^[A-Za-z0-9_-]+$/.test(body) ? Buffer.from(body, "base64url") : undefined;
        // An RLP list (first byte 0xc0 or above) holding at least a signature and a sequence number.
        if (bytes === undefined || bytes.length < 70 || bytes.length > MAX_ENR_BYTES || bytes[0] < 0xc0) {
            const shown = enr.length > 40 ? `${enr.slice(0, 40)}...` : enr;
            throw new ConfigError(key, value, `entry ${i + 1} (${JSON.stringify(shown)}) is not an ENR: expected comma-separated enr:<base64url record of at most ${MAX_ENR_BYTES} bytes>`);
        }
    });
    return entries;
}

/** The tracker's keys, validated whether or not it is on. */
export function parseValidatorTrackerConfig(withDefault: (key: keyof typeof CONFIG_KEYS) => string, get: (key: keyof typeof CONFIG_KEYS) => string | undefined): ValidatorTrackerConfig {
    const bootnodes = get("validatorTrackerBootnodes");
    return {
        enabled: parseBool("validatorTracker", withDefault("validatorTracker")),
        natsImage: parseImage("natsImage", withDefault("natsImage")),
        baseImage: parseImage("validatorTrackerBaseImage", withDefault("validatorTrackerBaseImage")),
        p2pTcpPort: parsePort("validatorTrackerP2pTcpPort", withDefault("validatorTrackerP2pTcpPort")),
        p2pUdpPort: parsePort("validatorTrackerP2pUdpPort", withDefault("validatorTrackerP2pUdpPort")),
        apiPort: parsePort("validatorTrackerApiPort", withDefault("validatorTrackerApiPort")),
        bootnodes: bootnodes === undefined ? undefined : parseEnrList("validatorTrackerBootnodes", bootnodes),
        dialConcurrency: parseIntInRange("validatorTrackerDialConcurrency", withDefault("validatorTrackerDialConcurrency"), 1, 1024),
    };
}

/** A host port claimed by one service, to find two services published on the same port. */
export interface HostPortClaim {
    key: string;
    port: number;
    protocol: "tcp" | "udp";
}

/** Fails when two keys publish the same host port and protocol. */
export function assertDistinctHostPorts(claims: HostPortClaim[]): void {
    const seen = new Map<string, string>();
    for (const claim of claims) {
        const id = `${claim.port}/${claim.protocol}`;
        const owner = seen.get(id);
        if (owner !== undefined) {
            throw new ConfigError(
                claim.key,
                String(claim.port),
                `host port ${id} is already used by ${CONFIG_NAMESPACE}:${owner}; every published port must be distinct`,
            );
        }
        seen.set(id, claim.key);
    }
}

/** The host ports the node publishes, by config key and protocol (the tracker's when it is on). */
export function hostPortClaims(ports: PortConfig, tracker?: ValidatorTrackerConfig): HostPortClaim[] {
    const trackerClaims: HostPortClaim[] = tracker?.enabled
        ? [
              { key: "validatorTrackerP2pTcpPort", port: tracker.p2pTcpPort, protocol: "tcp" },
              { key: "validatorTrackerP2pUdpPort", port: tracker.p2pUdpPort, protocol: "udp" },
              { key: "validatorTrackerApiPort", port: tracker.apiPort, protocol: "tcp" },
          ]
        : [];
    return [
        { key: "elP2pPort", port: ports.elP2p, protocol: "tcp" },
        { key: "elP2pPort", port: ports.elP2p, protocol: "udp" },
        { key: "clP2pTcpPort", port: ports.clP2pTcp, protocol: "tcp" },
        { key: "clP2pUdpPort", port: ports.clP2pUdp, protocol: "udp" },
        { key: "clP2pQuicPort", port: ports.clP2pQuic, protocol: "udp" },
        { key: "elRpcPort", port: ports.elRpc, protocol: "tcp" },
        { key: "clApiPort", port: ports.clApi, protocol: "tcp" },
        { key: "peerMonitorPort", port: ports.peerMonitor, protocol: "tcp" },
        { key: "prometheusPort", port: ports.prometheus, protocol: "tcp" },
        { key: "alertmanagerPort", port: ports.alertmanager, protocol: "tcp" },
        { key: "grafanaPort", port: ports.grafana, protocol: "tcp" },
        ...trackerClaims,
    ];
}

/**
 * Every key, validated. Secret keys (SECRET_CONFIG_KEYS) are read only through `readSecret` and wrapped as
 * Pulumi secrets whatever it returns. Without `readSecret` they are read through `read` — for a plain map
 * of values, as tests and the e2e suite have — and wrapped all the same.
 */
export function parseNodeConfig(read: ConfigReader, readSecret: SecretConfigReader = read): NodeConfig {
    const get = (key: keyof typeof CONFIG_KEYS): string | undefined => {
        const v = read(key);
        return v === undefined || v === "" ? undefined : v;
    };
    const withDefault = (key: keyof typeof CONFIG_KEYS): string => get(key) ?? CONFIG_KEYS[key];

    const network = parseNetwork("network", withDefault("network"));
    const ports: PortConfig = {
        elP2p: parsePort("elP2pPort", withDefault("elP2pPort")),
        clP2pTcp: parsePort("clP2pTcpPort", withDefault("clP2pTcpPort")),
        clP2pUdp: parsePort("clP2pUdpPort", withDefault("clP2pUdpPort")),
        clP2pQuic: parsePort("clP2pQuicPort", withDefault("clP2pQuicPort")),
        elRpc: parsePort("elRpcPort", withDefault("elRpcPort")),
        clApi: parsePort("clApiPort", withDefault("clApiPort")),
        peerMonitor: parsePort("peerMonitorPort", withDefault("peerMonitorPort")),
        prometheus: parsePort("prometheusPort", withDefault("prometheusPort")),
        alertmanager: parsePort("alertmanagerPort", withDefault("alertmanagerPort")),
        grafana: parsePort("grafanaPort", withDefault("grafanaPort")),
    };
    const validatorTracker = parseValidatorTrackerConfig(withDefault, get);
    assertDistinctHostPorts(hostPortClaims(ports, validatorTracker));

    const checkpointSync = parseBool("checkpointSync", withDefault("checkpointSync"));
    const checkpointUrlRaw = get("checkpointSyncUrl");
    const checkpointSyncUrl = checkpointSync
        ? parseHttpUrl("checkpointSyncUrl", checkpointUrlRaw ?? DEFAULT_CHECKPOINT_SYNC_URLS[network])
        : undefined;

    const externalIpRaw = get("externalIp");
    const dockerHostRaw = get("dockerHost");
    return {
        network,
        images: {
            geth: parseImage("gethImage", withDefault("gethImage")),
            prysm: parseImage("prysmImage", withDefault("prysmImage")),
        },
        bindAddress: parseIp("bindAddress", withDefault("bindAddress")),
        ports,
        checkpointSyncUrl,
        elMaxPeers: parseIntInRange("elMaxPeers", withDefault("elMaxPeers"), 1, 1000),
        clMaxPeers: parseIntInRange("clMaxPeers", withDefault("clMaxPeers"), 1, 1000),
        externalIp: externalIpRaw === undefined ? undefined : parseIp("externalIp", externalIpRaw),
        deleteVolumesOnDestroy: parseBool("deleteVolumesOnDestroy", withDefault("deleteVolumesOnDestroy")),
        dockerHost: dockerHostRaw === undefined ? undefined : parseDockerHost("dockerHost", dockerHostRaw),
        readiness: {
            enabled: parseBool("readinessCheck", withDefault("readinessCheck")),
            timeoutSeconds: parseIntInRange("readinessTimeoutSeconds", withDefault("readinessTimeoutSeconds"), 10, 86400),
        },
        peerMonitorIntervalSeconds: parseIntInRange("peerMonitorIntervalSeconds", withDefault("peerMonitorIntervalSeconds"), 1, 3600),
        peerMonitorBaseImage: parseImage("peerMonitorBaseImage", withDefault("peerMonitorBaseImage")),
        monitoring: parseMonitoringConfig(read, readSecret),
        validatorTracker,
    };
}
