/**
 * Where each monitoring service lives: its network alias, container port, config directory and user. The
 * scrape config, the Grafana datasources, the container declarations and the render layout all read these,
 * so a port or path is stated once.
 */
import { MetricsEndpoint } from "../metrics";

export type MonitoringService = "prometheus" | "alertmanager" | "grafana" | "loki" | "alloy" | "nodeExporter";

export interface MonitoringServiceSpec {
    /** Network alias on the node's Docker network. */
    alias: string;
    /** Port the service listens on inside the container. */
    port: number;
    /** Path of its own metrics. */
    metricsPath: string;
    /** Directory inside the container that generated config files are uploaded to. */
    configDir: string;
    /** Directory inside the container that holds its data volume (undefined: no persistent data). */
    dataDir: string | undefined;
    /**
     * uid:gid the container runs as: the image's own non-root user, which already owns its data directory
     * (Docker seeds an empty named volume from the image, ownership included).
     */
    user: string;
}

export const MONITORING_SERVICES: Record<MonitoringService, MonitoringServiceSpec> = {
    prometheus: { alias: "prometheus", port: 9090, metricsPath: "/metrics", configDir: "/etc/prometheus", dataDir: "/prometheus", user: "65534:65534" },
    alertmanager: { alias: "alertmanager", port: 9093, metricsPath: "/metrics", configDir: "/etc/alertmanager", dataDir: "/alertmanager", user: "65534:65534" },
    grafana: { alias: "grafana", port: 3000, metricsPath: "/metrics", configDir: "/etc/grafana", dataDir: "/var/lib/grafana", user: "472:0" },
    loki: { alias: "loki", port: 3100, metricsPath: "/metrics", configDir: "/etc/loki", dataDir: "/loki", user: "10001:10001" },
    // Alloy reads Docker's json-file logs, which dockerd writes as root with mode 0640: it runs as uid 0 but
    // with every capability dropped, so it can read root-owned files and nothing that needs a capability.
    // Without CAP_DAC_OVERRIDE root cannot write a directory the image gave to another user, so its data
    // volume is mounted at a path the image does not have (Docker then creates it root-owned).
    alloy: { alias: "alloy", port: 12345, metricsPath: "/metrics", configDir: "/etc/alloy", dataDir: "/alloy-data", user: "0:0" },
    nodeExporter: { alias: "node-exporter", port: 9100, metricsPath: "/metrics", configDir: "/etc/node-exporter", dataDir: undefined, user: "65534:65534" },
};

/** Grafana datasource uids are fixed so dashboards can reference them without lookups. */
export const DATASOURCE_UIDS = { prometheus: "prometheus", loki: "loki", alertmanager: "alertmanager" } as const;

/** Where the Docker log directory is mounted inside the collector; the Alloy config globs below it. */
export const COLLECTOR_DOCKER_LOG_DIR = "/var/lib/docker/containers";

/** Host filesystem mounts for node-exporter (read-only), so it measures the host and not its own container. */
export const NODE_EXPORTER_HOST_MOUNTS = [
    { source: "/proc", target: "/host/proc" },
    { source: "/sys", target: "/host/sys" },
    { source: "/", target: "/host/root" },
] as const;

/** Grafana reads the admin password from this uploaded file (`GF_SECURITY_ADMIN_PASSWORD__FILE`). */
export const GRAFANA_ADMIN_PASSWORD_FILE = "/etc/grafana/secrets/admin_password";
export const GRAFANA_ADMIN_USER = "admin";
/** Folder of provisioned dashboard JSON inside the Grafana container (outside the data volume). */
export const GRAFANA_DASHBOARDS_DIR = "/etc/grafana/dashboards";

/** The monitoring stack's own scrape targets, in the same shape the node's components declare theirs. */
export function monitoringSelfEndpoints(): MetricsEndpoint[] {
    const self = (job: string, service: MonitoringService): MetricsEndpoint => {
        const spec = MONITORING_SERVICES[service];
        return { job, alias: spec.alias, port: spec.port, path: spec.metricsPath };
    };
    return [
        self("node-exporter", "nodeExporter"),
        self("prometheus", "prometheus"),
        self("alertmanager", "alertmanager"),
        self("loki", "loki"),
        self("alloy", "alloy"),
    ];
}
