/**
 * Network aliases and container ports of the node's services on its private Docker network. Components,
 * the peer monitor's wiring, scrape configs and the readiness check all read them from here.
 */
import { MetricsEndpoint } from "./metrics";

export const EXECUTION_ALIAS = "execution";
export const BEACON_ALIAS = "beacon";
export const PEER_MONITOR_ALIAS = "peer-monitor";

export const GETH_PORTS = { http: 8545, ws: 8546, authrpc: 8551, metrics: 6060, p2p: 30303 } as const;
export const PRYSM_PORTS = { http: 3500, rpc: 4000, metrics: 8080, p2pTcp: 13000, p2pUdp: 12000, p2pQuic: 13000 } as const;
export const PEER_MONITOR_PORT = 9200;

export const GETH_METRICS: MetricsEndpoint = {
    job: "geth",
    alias: EXECUTION_ALIAS,
    port: GETH_PORTS.metrics,
    path: "/debug/metrics/prometheus",
};

export const PRYSM_METRICS: MetricsEndpoint = {
    job: "prysm",
    alias: BEACON_ALIAS,
    port: PRYSM_PORTS.metrics,
    path: "/metrics",
};

export const PEER_MONITOR_METRICS: MetricsEndpoint = {
    job: "peer-monitor",
    alias: PEER_MONITOR_ALIAS,
    port: PEER_MONITOR_PORT,
    path: "/metrics",
};
