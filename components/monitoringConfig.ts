/**
 * Monitoring configuration: images, retention, alert routing and alert thresholds. Parsed with the same
 * readers as the rest of the node's config (components/config.ts) so one bad key fails `pulumi up` and
 * `npm run render` alike, before anything is declared or written. The webhook URL is a secret: it is read
 * only through the secret reader and parsed inside an apply of the secret (see SECRET_CONFIG_KEYS).
 */
import * as pulumi from "@pulumi/pulumi";
import {
    ConfigError,
    ConfigReader,
    SecretConfigReader,
    parseDecimalInRange,
    parseHttpUrl,
    parseImage,
    parseIntInRange,
    parseSecret,
} from "./configValues";

/**
 * Pinned releases (late 2026). Never `latest`: a monitoring stack that silently upgrades on the next pull can
 * change its config format (Loki and Alloy do so between minors) under a running node.
 */
export const DEFAULT_MONITORING_IMAGES = {
    prometheus: "prom/prometheus:v3.13.2",
    alertmanager: "prom/alertmanager:v0.35.0",
    grafana: "grafana/grafana:13.0.1",
    loki: "grafana/loki:3.7.7",
    alloy: "grafana/alloy:v1.21.2",
    nodeExporter: "prom/node-exporter:v1.12.1",
} as const;

export interface MonitoringImages {
    prometheus: string;
    alertmanager: string;
    grafana: string;
    loki: string;
    alloy: string;
    nodeExporter: string;
}

/** Alert thresholds; each one is a rule's comparison value, rendered into the rules file and its tests. */
export interface AlertThresholds {
    /** Execution-layer peers (`p2p_peers`) below this for 10 minutes fires ExecutionPeersLow. */
    elMinPeers: number;
    /** Consensus-layer connected peers (`p2p_peer_count{state="Connected"}`) below this fires ConsensusPeersLow. */
    clMinPeers: number;
    /** Beacon head more than this many slots behind the wall-clock slot fires ConsensusHeadLagging. */
    clHeadLagSlots: number;
    /** `chain_head_block` unchanged for this many minutes fires ExecutionHeadStalled. */
    elHeadStallMinutes: number;
    /** Free space on a host filesystem below this percentage fires DiskSpaceLow (warning). */
    diskWarnPercent: number;
    /** Free space below this percentage fires DiskSpaceCritical. Must be below diskWarnPercent. */
    diskCriticalPercent: number;
    /** Available memory below this percentage of total fires MemoryPressure. */
    memoryAvailableMinPercent: number;
    /** Clock offset or estimated error above this many seconds fires ClockDrift. */
    clockDriftSeconds: number;
    /** A peer-monitor layer without a successful poll for this many seconds fires PeerMonitorStale. */
    peerMonitorStaleSeconds: number;
    /** No successful valtrack handshake for this many seconds fires ValtrackNoHandshake (validator tracker only). */
    valtrackHandshakeStaleSeconds: number;
    /** Consumer lag (`valtrack_consumer_lag{state="pending"}`) above this many messages and rising fires ValtrackConsumerLagGrowing. */
    valtrackConsumerLagMessages: number;
}

export interface MonitoringConfig {
    images: MonitoringImages;
    /** Prometheus TSDB retention (`--storage.tsdb.retention.time`), e.g. "30d". */
    prometheusRetention: string;
    /** Loki log retention (`limits_config.retention_period`), whole days or weeks, e.g. "30d". */
    lokiRetention: string;
    /** How often Prometheus scrapes every target and evaluates rules, e.g. "15s". */
    scrapeInterval: string;
    /**
     * Alertmanager webhook receiver URL, a Pulumi secret (it usually carries a token). Undefined when the key is
     * unset; resolves to undefined when it is set to "". Without a URL every alert goes to a null receiver
     * (visible in the UI).
     */
    alertWebhookUrl: pulumi.Output<string | undefined> | undefined;
    /** Host directory of Docker's json-file container logs, read-only mounted into the log collector. */
    dockerLogDir: string;
    thresholds: AlertThresholds;
}

/** Every monitoring key with its default; the README's Monitoring section mirrors this table. */
export const MONITORING_CONFIG_KEYS = {
    prometheusImage: DEFAULT_MONITORING_IMAGES.prometheus,
    alertmanagerImage: DEFAULT_MONITORING_IMAGES.alertmanager,
    grafanaImage: DEFAULT_MONITORING_IMAGES.grafana,
    lokiImage: DEFAULT_MONITORING_IMAGES.loki,
    alloyImage: DEFAULT_MONITORING_IMAGES.alloy,
    nodeExporterImage: DEFAULT_MONITORING_IMAGES.nodeExporter,
    prometheusRetention: "30d",
    lokiRetention: "30d",
    scrapeInterval: "15s",
    dockerLogDir: "/var/lib/docker/containers",
    elMinPeers: "10",
    clMinPeers: "20",
    clHeadLagSlots: "8",
    elHeadStallMinutes: "5",
    diskWarnPercent: "10",
    diskCriticalPercent: "2",
    memoryAvailableMinPercent: "10",
    clockDriftSeconds: "0.5",
    peerMonitorStaleSeconds: "120",
    valtrackHandshakeStaleSeconds: "900",
    valtrackConsumerLagMessages: "10000",
} as const;

export type MonitoringConfigKey = keyof typeof MONITORING_CONFIG_KEYS;

/**
 * Keys whose values are secrets, with their defaults. They are read only through the SecretConfigReader and
 * never through the plain one, so their plaintext is never a program value outside an Output.
 */
export const SECRET_CONFIG_KEYS = {
    alertWebhookUrl: "(unset: null receiver)",
} as const;

export type SecretConfigKey = keyof typeof SECRET_CONFIG_KEYS;

/** The webhook URL: "" means none; a bad value's error names the key but not the value. */
export function parseAlertWebhookUrl(value: string): string | undefined {
    return value === "" ? undefined : parseHttpUrl("alertWebhookUrl", value, { secret: true });
}

/** The parser of each secret key's plaintext; parseMonitoringConfig runs it inside an apply of the secret. */
export const SECRET_CONFIG_PARSERS = {
    alertWebhookUrl: parseAlertWebhookUrl,
} satisfies Record<SecretConfigKey, (value: string) => unknown>;

/** Prometheus TSDB retention: a whole number of hours, days, weeks or years (shorter loses useful history). */
export function parseRetention(key: string, value: string): string {
    if (/^[1-9]\d{0,4}[hdwy]$/.test(value)) return value;
    throw new ConfigError(key, value, 'expected a duration such as "30d", "12w", "720h" or "1y" (a whole number with unit h, d, w or y)');
}

/** Loki's retention must be a multiple of its 24 h index period, so only whole days or weeks are allowed. */
export function parseLokiRetention(key: string, value: string): string {
    if (/^[1-9]\d{0,4}[dw]$/.test(value)) return value;
    throw new ConfigError(key, value, 'expected whole days or weeks such as "30d" or "4w" (Loki retention is a multiple of its 24h index period)');
}

/** Scrape/evaluation interval: 5 s to 5 min; faster overloads the clients' metrics handlers, slower hides outages. */
export function parseScrapeInterval(key: string, value: string): string {
    const match = /^([1-9]\d*)(s|m)$/.exec(value);
    const seconds = match ? Number(match[1]) * (match[2] === "m" ? 60 : 1) : NaN;
    if (!match || seconds < 5 || seconds > 300) {
        throw new ConfigError(key, value, 'expected a duration from "5s" to "5m" such as "15s" or "1m"');
    }
    return value;
}

export function parseAbsolutePath(key: string, value: string): string {
    if (/^\/[^\0]*$/.test(value) && !value.split("/").includes("..")) return value.replace(/(.)\/+$/, "$1");
    throw new ConfigError(key, value, "expected an absolute host path without '..', e.g. /var/lib/docker/containers");
}

/** Every monitoring key, validated; `readSecret` as for parseNodeConfig (default: `read`). */
export function parseMonitoringConfig(read: ConfigReader, readSecret: SecretConfigReader = read): MonitoringConfig {
    const get = (key: MonitoringConfigKey): string | undefined => {
        const v = read(key);
        return v === undefined || v === "" ? undefined : v;
    };
    const withDefault = (key: MonitoringConfigKey): string => get(key) ?? MONITORING_CONFIG_KEYS[key];
    const int = (key: MonitoringConfigKey, min: number, max: number): number => parseIntInRange(key, withDefault(key), min, max);

    const diskWarnPercent = int("diskWarnPercent", 1, 99);
    const diskCriticalPercent = int("diskCriticalPercent", 1, 99);
    if (diskCriticalPercent >= diskWarnPercent) {
        throw new ConfigError(
            "diskCriticalPercent",
            String(diskCriticalPercent),
            `must be below eth-node:diskWarnPercent (${diskWarnPercent}): the critical level is the lower free-space level`,
        );
    }

    return {
        images: {
            prometheus: parseImage("prometheusImage", withDefault("prometheusImage")),
            alertmanager: parseImage("alertmanagerImage", withDefault("alertmanagerImage")),
            grafana: parseImage("grafanaImage", withDefault("grafanaImage")),
            loki: parseImage("lokiImage", withDefault("lokiImage")),
            alloy: parseImage("alloyImage", withDefault("alloyImage")),
            nodeExporter: parseImage("nodeExporterImage", withDefault("nodeExporterImage")),
        },
        prometheusRetention: parseRetention("prometheusRetention", withDefault("prometheusRetention")),
        lokiRetention: parseLokiRetention("lokiRetention", withDefault("lokiRetention")),
        scrapeInterval: parseScrapeInterval("scrapeInterval", withDefault("scrapeInterval")),
        alertWebhookUrl: parseSecret(readSecret("alertWebhookUrl" satisfies SecretConfigKey), SECRET_CONFIG_PARSERS.alertWebhookUrl),
        dockerLogDir: parseAbsolutePath("dockerLogDir", withDefault("dockerLogDir")),
        thresholds: {
            elMinPeers: int("elMinPeers", 1, 1000),
            clMinPeers: int("clMinPeers", 1, 1000),
            clHeadLagSlots: int("clHeadLagSlots", 1, 10000),
            elHeadStallMinutes: int("elHeadStallMinutes", 1, 120),
            diskWarnPercent,
            diskCriticalPercent,
            memoryAvailableMinPercent: int("memoryAvailableMinPercent", 1, 99),
            clockDriftSeconds: parseDecimalInRange("clockDriftSeconds", withDefault("clockDriftSeconds"), 0.001, 60),
            peerMonitorStaleSeconds: int("peerMonitorStaleSeconds", 10, 86400),
            valtrackHandshakeStaleSeconds: int("valtrackHandshakeStaleSeconds", 60, 86400),
            valtrackConsumerLagMessages: int("valtrackConsumerLagMessages", 1, 100000000),
        },
    };
}
