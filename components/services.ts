/**
 * The registry of the stack's services: for each container its name suffix, network alias, role label,
 * container ports, metrics endpoint, user, directories and Grafana datasource uid. Everything that addresses
 * a service reads it from here — container declarations and client flags, the peer monitor's wiring and
 * build args, the readiness probe, the scrape config, alert rules, dashboards, Grafana datasources and the
 * e2e suite — so a port, path or name is stated once.
 */

/** The uid and gid a container runs as. */
export interface ServiceUser {
    uid: number;
    gid: number;
}

/** An optional part of the stack, deployed only when its config key is on (`eth-node:validatorTracker`). */
export type MonitoredFeature = "validatorTracker";

/**
 * Where Prometheus scrapes a service: one of its `ports` (by name), the HTTP path and the job name, and — for a
 * service of an optional part of the stack — the feature it belongs to: it is scraped, alerted on and shown on
 * dashboards only when that feature is on (components/monitoring/features.ts).
 */
export interface MetricsSpec<PortName extends string> {
    job: string;
    port: PortName;
    path: string;
    feature?: MonitoredFeature;
}

export interface ServiceSpec<PortName extends string = string> {
    /** The container is `eth-node-<stack>-<containerSuffix>`; its data volume `eth-node-<stack>-<containerSuffix>-data`. */
    containerSuffix: string;
    /** Host name on the node's private Docker network. */
    alias: string;
    /** Value of the `eth-node.role` label on the container and its volume, which becomes the Loki `role` label. */
    role: string;
    /** Ports the service listens on inside the container, by purpose. */
    ports: Readonly<Record<PortName, number>>;
    /** Its Prometheus metrics endpoint; absent: not scraped. */
    metrics?: MetricsSpec<PortName>;
    /**
     * Who the container runs as: the clients as eth-docker's non-root uids, the monitoring images as their
     * own non-root users (which already own their data directories; Docker seeds an empty named volume from
     * the image, ownership included).
     */
    user: ServiceUser;
    /** Directory of its persistent data, mounted from its named volume; absent: it keeps no data. */
    dataDir?: string;
    /** Directory the generated config files are uploaded to; absent: it gets none. */
    configDir?: string;
    /** Uid of the Grafana datasource that queries it; absent: not a datasource. */
    datasourceUid?: string;
}

/**
 * Checks one entry against ServiceSpec — `metrics.port` must name one of its `ports` — and keeps its exact
 * type, so `SERVICES.execution.ports.ws` and `SERVICES.grafana.configDir` are known to exist, while every
 * ServiceSpec field can still be read on any service (`SERVICES[id].metrics`).
 */
function service<S extends ServiceSpec<keyof S["ports"] & string>>(spec: S): Omit<S, "ports"> & ServiceSpec<keyof S["ports"] & string> {
    return spec;
}

const user = (uid: number, gid = uid): ServiceUser => ({ uid, gid });

export const SERVICES = {
    execution: service({
        containerSuffix: "geth",
        alias: "execution",
        role: "execution",
        ports: { http: 8545, ws: 8546, engine: 8551, metrics: 6060, p2p: 30303 },
        metrics: { job: "geth", port: "metrics", path: "/debug/metrics/prometheus" },
        user: user(10001),
        dataDir: "/data",
    }),
    beacon: service({
        containerSuffix: "prysm",
        alias: "beacon",
        role: "consensus",
        // gRPC (4000) is Prysm's default and stays inside the container: nothing here dials it.
        ports: { http: 3500, grpc: 4000, metrics: 8080, p2pTcp: 13000, p2pUdp: 12000, p2pQuic: 13000 },
        metrics: { job: "prysm", port: "metrics", path: "/metrics" },
        user: user(10002),
        dataDir: "/data",
    }),
    peerMonitor: service({
        containerSuffix: "peer-monitor",
        alias: "peer-monitor",
        role: "peer-monitor",
        ports: { http: 9200 },
        metrics: { job: "peer-monitor", port: "http", path: "/metrics" },
        user: user(10003),
    }),
    nodeExporter: service({
        containerSuffix: "node-exporter",
        alias: "node-exporter",
        role: "node-exporter",
        ports: { http: 9100 },
        metrics: { job: "node-exporter", port: "http", path: "/metrics" },
        user: user(65534),
    }),
    prometheus: service({
        containerSuffix: "prometheus",
        alias: "prometheus",
        role: "prometheus",
        ports: { http: 9090 },
        metrics: { job: "prometheus", port: "http", path: "/metrics" },
        user: user(65534),
        configDir: "/etc/prometheus",
        dataDir: "/prometheus",
        datasourceUid: "prometheus",
    }),
    alertmanager: service({
        containerSuffix: "alertmanager",
        alias: "alertmanager",
        role: "alertmanager",
        ports: { http: 9093 },
        metrics: { job: "alertmanager", port: "http", path: "/metrics" },
        user: user(65534),
        configDir: "/etc/alertmanager",
        dataDir: "/alertmanager",
        datasourceUid: "alertmanager",
    }),
    grafana: service({
        containerSuffix: "grafana",
        alias: "grafana",
        role: "grafana",
        ports: { http: 3000 },
        user: user(472, 0),
        configDir: "/etc/grafana",
        dataDir: "/var/lib/grafana",
    }),
    loki: service({
        containerSuffix: "loki",
        alias: "loki",
        role: "loki",
        ports: { http: 3100, grpc: 9095 },
        metrics: { job: "loki", port: "http", path: "/metrics" },
        user: user(10001),
        configDir: "/etc/loki",
        dataDir: "/loki",
        datasourceUid: "loki",
    }),
    // Alloy reads Docker's json-file logs, which dockerd writes as root with mode 0640: it runs as uid 0 but
    // with every capability dropped, so it can read root-owned files and nothing that needs a capability.
    // Without CAP_DAC_OVERRIDE root cannot write a directory the image gave to another user, so its data
    // volume is mounted at a path the image does not have (Docker then creates it root-owned).
    alloy: service({
        containerSuffix: "alloy",
        alias: "alloy",
        role: "alloy",
        ports: { http: 12345 },
        metrics: { job: "alloy", port: "http", path: "/metrics" },
        user: user(0),
        configDir: "/etc/alloy",
        dataDir: "/alloy-data",
    }),
    // The validator tracker (components/validatorTracker.ts), deployed when `eth-node:validatorTracker` is on:
    // NATS with JetStream, and valtrack's sentry and consumer (one image built from ../valtrack). Their metrics
    // specs carry `feature: "validatorTracker"`, so they are scraped (and alerted on) only when it is on.
    // NATS has no `metrics`: nats-server serves JSON (/varz, /jsz), not Prometheus text, and its exporter
    // (prometheus-nats-exporter) is not available to this build, so NATS is watched through its clients: the
    // consumer's view of its JetStream consumer (valtrack_consumer_lag) and the sentry's publish results.
    nats: service({
        containerSuffix: "nats",
        alias: "nats",
        role: "nats",
        // Client connections and the monitoring endpoint (/healthz, /varz, /jsz); neither is published.
        ports: { client: 4222, monitoring: 8222 },
        user: user(10004),
        configDir: "/etc/nats",
        dataDir: "/data",
    }),
    valtrackSentry: service({
        containerSuffix: "valtrack-sentry",
        alias: "valtrack-sentry",
        role: "valtrack-sentry",
        // p2pTcp/p2pUdp are the defaults of the published ports (`validatorTrackerP2p*Port`). The sentry listens on
        // the configured host ports themselves: its ENR advertises its listen ports, so they must be the ones
        // peers reach.
        ports: { metrics: 9110, p2pTcp: 9000, p2pUdp: 9000 },
        metrics: { job: "valtrack-sentry", port: "metrics", path: "/metrics", feature: "validatorTracker" },
        user: user(10005),
    }),
    valtrackConsumer: service({
        containerSuffix: "valtrack-consumer",
        alias: "valtrack-consumer",
        role: "valtrack-consumer",
        // /metrics and /healthz; the read-only API (/validators, /peers, /stats), published on bindAddress.
        ports: { metrics: 9111, api: 9120 },
        metrics: { job: "valtrack-consumer", port: "metrics", path: "/metrics", feature: "validatorTracker" },
        user: user(10006),
        // Its parquet parts.
        dataDir: "/data",
    }),
};

export type ServiceId = keyof typeof SERVICES;
export type PortName<S extends ServiceId> = keyof (typeof SERVICES)[S]["ports"] & string;

/** One entry, seen as a plain ServiceSpec (for code that handles any service). */
export function specOf(id: ServiceId): ServiceSpec {
    return SERVICES[id];
}

/** Every service id, in registry order (the order of the scrape jobs). */
export function serviceIds(): ServiceId[] {
    return Object.keys(SERVICES) as ServiceId[];
}

/** `eth-node-<stack>`: the network's name and the prefix of every container and volume name. */
export function stackPrefix(stack: string): string {
    return `eth-node-${stack}`;
}

export function containerName(stack: string, id: ServiceId): string {
    return `${stackPrefix(stack)}-${specOf(id).containerSuffix}`;
}

export function dataVolumeName(stack: string, id: ServiceId): string {
    return `${containerName(stack, id)}-data`;
}

/** `uid:gid`, as Docker's `user` wants it. */
export function userSpec(id: ServiceId): string {
    const { uid, gid } = specOf(id).user;
    return `${uid}:${gid}`;
}

export function servicePort<S extends ServiceId>(id: S, port: PortName<S>): number {
    return specOf(id).ports[port];
}

/** `alias:port` on the node's network. */
export function serviceAddress<S extends ServiceId>(id: S, port: PortName<S>): string {
    return `${specOf(id).alias}:${servicePort(id, port)}`;
}

/** `<scheme>://alias:port` on the node's network. */
export function serviceUrl<S extends ServiceId>(id: S, port: PortName<S>, scheme: "http" | "ws" | "nats" = "http"): string {
    return `${scheme}://${serviceAddress(id, port)}`;
}

/** A Prometheus scrape target, resolved from a service's metrics spec. */
export interface ScrapeTarget {
    service: ServiceId;
    job: string;
    /** Container name suffix (`eth-node-<stack>-<containerSuffix>`), to find the container. */
    containerSuffix: string;
    alias: string;
    port: number;
    path: string;
    /** `alias:port`: the target in static_configs, and the `instance` label of its series. */
    address: string;
    /** The optional part of the stack it belongs to; absent: always deployed, always scraped. */
    feature?: MonitoredFeature;
}

/** The scrape target of one service; throws for a service without a metrics endpoint. */
export function scrapeTargetOf(id: ServiceId): ScrapeTarget {
    const spec = specOf(id);
    if (!spec.metrics) throw new Error(`service ${id} has no metrics endpoint`);
    const port = spec.ports[spec.metrics.port];
    return {
        service: id,
        job: spec.metrics.job,
        containerSuffix: spec.containerSuffix,
        alias: spec.alias,
        port,
        path: spec.metrics.path,
        address: `${spec.alias}:${port}`,
        ...(spec.metrics.feature ? { feature: spec.metrics.feature } : {}),
    };
}

/**
 * Every scrape target in the registry, in registry order, whatever is deployed: prometheus.yml is generated
 * from those of them whose feature is on (monitoredScrapeTargets in components/monitoring/features.ts).
 */
export function scrapeTargets(): ScrapeTarget[] {
    return serviceIds()
        .filter((id) => specOf(id).metrics !== undefined)
        .map(scrapeTargetOf);
}

/** The uid of the Grafana datasource that queries a service; throws for a service that is not a datasource. */
export function datasourceUid(id: ServiceId): string {
    const uid = specOf(id).datasourceUid;
    if (uid === undefined) throw new Error(`service ${id} is not a Grafana datasource`);
    return uid;
}
