/** Peers dashboard: the peer monitor's view of both layers — who the node is connected to and how that changes. */
import { AlertThresholds } from "../components/monitoringConfig";
import { PEER_MONITOR_METRIC_NAMES as PM } from "../components/monitoring/peerMonitorMetrics";
import { secondsSinceLastSuccess } from "../components/monitoring/rules/peerMonitor";
import { GeneratedDashboard, newDashboard, row, statPanel, tablePanel, timeseriesPanel } from "./common";

/** Seconds since a layer's last successful poll, red from the age at which PeerMonitorStale counts it stale. */
function stalenessPanel(layer: "el" | "cl", staleSeconds: number) {
    return statPanel(`Seconds since last ${layer.toUpperCase()} update`, "s", { expr: secondsSinceLastSuccess(`layer="${layer}"`) }, [
        { value: null, color: "green" },
        { value: staleSeconds, color: "red" },
    ]);
}

export function buildPeersDashboard(t: AlertThresholds): GeneratedDashboard {
    const model = newDashboard("eth-node-peers", "Peers", "Execution and consensus peers by direction and client, churn and the monitor's health.")
        .withRow(row("Now"))
        .withPanel(statPanel("EL peers", "none", { expr: `sum(${PM.peers}{layer="el"})` }))
        .withPanel(statPanel("CL peers", "none", { expr: `sum(${PM.peers}{layer="cl"})` }))
        .withPanel(stalenessPanel("el", t.peerMonitorStaleSeconds))
        .withPanel(stalenessPanel("cl", t.peerMonitorStaleSeconds))
        .withPanel(
            tablePanel(
                "Current peers by layer, direction and client",
                { expr: `sum by (layer, direction, client) (${PM.peers}) > 0` },
                "One row per layer/direction/client family with its number of connected peers.",
            ),
        )
        .withRow(row("Counts"))
        .withPanel(timeseriesPanel("Peers by layer", "none", [{ expr: `sum by (layer) (${PM.peers})`, legend: "{{layer}}" }]))
        .withPanel(
            timeseriesPanel("Peers by layer and direction", "none", [{ expr: `sum by (layer, direction) (${PM.peers})`, legend: "{{layer}} {{direction}}" }]),
        )
        .withPanel(timeseriesPanel("EL peers by client", "none", [{ expr: `sum by (client) (${PM.peers}{layer="el"}) > 0`, legend: "{{client}}" }]))
        .withPanel(timeseriesPanel("CL peers by client", "none", [{ expr: `sum by (client) (${PM.peers}{layer="cl"}) > 0`, legend: "{{client}}" }]))
        .withPanel(
            timeseriesPanel(
                "Monitor vs node peer count",
                "none",
                [
                    { expr: `sum by (layer) (${PM.peers})`, legend: "{{layer}} monitor" },
                    { expr: `${PM.reportedPeers}`, legend: "{{layer}} node" },
                ],
                "The monitor's peer list against the node's own count; a gap means list entries are being skipped.",
            ),
        )
        .withRow(row("Churn"))
        .withPanel(
            timeseriesPanel("Connects and disconnects per minute", "none", [
                { expr: `sum by (layer) (rate(${PM.connects}[$__rate_interval])) * 60`, legend: "{{layer}} connects" },
                { expr: `sum by (layer) (rate(${PM.disconnects}[$__rate_interval])) * 60`, legend: "{{layer}} disconnects" },
            ]),
        )
        .withPanel(
            timeseriesPanel("Median peer session duration", "s", [
                {
                    expr: `histogram_quantile(0.5, sum by (le, layer) (rate(${PM.sessionDuration}_bucket[$__rate_interval])))`,
                    legend: "{{layer}}",
                },
            ]),
        )
        .withRow(row("Monitor health"))
        .withPanel(
            timeseriesPanel("Node RPC latency p95", "s", [
                {
                    expr: `histogram_quantile(0.95, sum by (le, layer, endpoint) (rate(${PM.rpcDuration}_bucket[$__rate_interval])))`,
                    legend: "{{layer}} {{endpoint}}",
                },
            ]),
        )
        .withPanel(
            timeseriesPanel("Node RPC errors per minute by kind", "none", [
                { expr: `sum by (layer, kind) (rate(${PM.rpcErrors}[$__rate_interval])) * 60`, legend: "{{layer}} {{kind}}" },
            ]),
        )
        .build();
    return { uid: "eth-node-peers", fileName: "peers.json", model };
}
