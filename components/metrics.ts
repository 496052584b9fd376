/**
 * A Prometheus scrape target declared by the component that owns it. Components declare their endpoints once;
 * the scrape config, alert rules and dashboards are generated from these declarations.
 */
export interface MetricsEndpoint {
    /** Prometheus job name, e.g. "geth". Unique per stack. */
    job: string;
    /** Host name on the node's Docker network (the container's network alias). */
    alias: string;
    /** Container port serving metrics. */
    port: number;
    /** HTTP path of the metrics, e.g. "/debug/metrics/prometheus". */
    path: string;
}

/** `alias:port`, the form Prometheus' static_configs want. */
export function scrapeAddress(endpoint: MetricsEndpoint): string {
    return `${endpoint.alias}:${endpoint.port}`;
}
