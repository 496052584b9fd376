/**
 * Metric names the peer monitor (peer-monitor/src/metrics.ts) exposes, in one place so rules and dashboards
 * follow a rename in one edit; test/monitoringCatalog.test.ts checks each against that source file.
 */
export const PEER_MONITOR_METRIC_NAMES = {
    /** Gauge {layer, direction, client}: connected peers. */
    peers: "peer_monitor_peers",
    /** Counter {layer}. */
    connects: "peer_monitor_peer_connects_total",
    /** Counter {layer}. */
    disconnects: "peer_monitor_peer_disconnects_total",
    /** Histogram {layer}. */
    sessionDuration: "peer_monitor_peer_session_duration_seconds",
    /** Histogram {layer, endpoint}. */
    rpcDuration: "peer_monitor_rpc_duration_seconds",
    /** Counter {layer, endpoint, kind}. */
    rpcErrors: "peer_monitor_rpc_errors_total",
    /** Gauge {layer}: unix time of the last fully successful update (0 = never). */
    lastSuccess: "peer_monitor_last_success_timestamp_seconds",
    /** Gauge {layer}: 1 when the last update succeeded. */
    up: "peer_monitor_up",
    /** Gauge {layer}: 1 while the node reports syncing. */
    syncing: "peer_monitor_sync_syncing",
    /** Gauge {layer}: head block (el) or head slot (cl). */
    head: "peer_monitor_sync_head",
    /** Gauge {layer}: blocks/slots behind, as the node reports. */
    distance: "peer_monitor_sync_distance",
    /** Gauge {layer}: the node's own peer count. */
    reportedPeers: "peer_monitor_reported_peers",
    /** Gauge {layer="cl"}: 1 while the beacon node reports is_optimistic (from /eth/v1/node/syncing). */
    clOptimistic: "peer_monitor_sync_optimistic",
    /** Gauge {layer="cl"}: 1 while the beacon node reports el_offline (from /eth/v1/node/syncing). */
    clElOffline: "peer_monitor_sync_el_offline",
} as const;
