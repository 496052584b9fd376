/** Execution dashboard: is Geth following the chain, who is it talking to, and what does it cost. */
import { AlertThresholds } from "../components/monitoringConfig";
import { PEER_MONITOR_METRIC_NAMES as PM } from "../components/monitoring/peerMonitorMetrics";
import { jobMatcher } from "../components/monitoring/promql";
import { GeneratedDashboard, newDashboard, row, statPanel, timeseriesPanel } from "./common";

export function buildExecutionDashboard(t: AlertThresholds): GeneratedDashboard {
    const job = jobMatcher("execution");
    const model = newDashboard("eth-node-execution", "Execution (Geth)", "Geth head, sync, peers, p2p traffic, txpool and database.")
        .withRow(row("Sync and head"))
        .withPanel(statPanel("Head block", "none", { expr: `chain_head_block{${job}}` }))
        .withPanel(
            statPanel("Blocks behind (node-reported)", "none", { expr: `${PM.distance}{layer="el"}` }, [
                { value: null, color: "green" },
                { value: 5, color: "orange" },
                { value: 100, color: "red" },
            ]),
        )
        .withPanel(
            statPanel("Peers", "none", { expr: `p2p_peers{${job}}` }, [
                { value: null, color: "red" },
                { value: t.elMinPeers, color: "green" },
            ]),
        )
        .withPanel(statPanel("Syncing (1 = yes)", "none", { expr: `${PM.syncing}{layer="el"}` }))
        .withPanel(
            timeseriesPanel("Head, safe and finalized block", "none", [
                { expr: `chain_head_block{${job}}`, legend: "head" },
                { expr: `chain_head_safe{${job}}`, legend: "safe" },
                { expr: `chain_head_finalized{${job}}`, legend: "finalized" },
            ]),
        )
        .withPanel(
            timeseriesPanel(
                "Blocks imported per minute",
                "none",
                // deriv(), not rate(): chain_head_block is a gauge, and rate() would read a reorg's step back as a counter reset.
                [{ expr: `deriv(chain_head_block{${job}}[$__rate_interval]) * 60`, legend: "blocks/min" }],
                "About 5 per minute when following the chain (one per 12 s slot).",
            ),
        )
        .withRow(row("Peers and p2p traffic"))
        .withPanel(
            timeseriesPanel("Peers in/out", "none", [
                { expr: `p2p_peers_inbound{${job}}`, legend: "inbound" },
                { expr: `p2p_peers_outbound{${job}}`, legend: "outbound" },
                { expr: `p2p_peers{${job}}`, legend: "total" },
            ]),
        )
        .withPanel(
            timeseriesPanel("P2P traffic", "Bps", [
                { expr: `rate(p2p_ingress{${job}}[$__rate_interval])`, legend: "ingress" },
                { expr: `rate(p2p_egress{${job}}[$__rate_interval])`, legend: "egress" },
            ]),
        )
        .withPanel(
            timeseriesPanel("Dials and inbound connections per minute", "none", [
                { expr: `rate(p2p_dials{${job}}[$__rate_interval]) * 60`, legend: "dials" },
                { expr: `rate(p2p_serves{${job}}[$__rate_interval]) * 60`, legend: "serves" },
            ]),
        )
        .withRow(row("Transaction pool"))
        .withPanel(
            timeseriesPanel("Txpool", "none", [
                { expr: `txpool_pending{${job}}`, legend: "pending" },
                { expr: `txpool_queued{${job}}`, legend: "queued" },
            ]),
        )
        .withRow(row("Database"))
        .withPanel(timeseriesPanel("Chain database size", "bytes", [{ expr: `eth_db_chaindata_disk_size{${job}}`, legend: "chaindata" }]))
        .withPanel(
            timeseriesPanel("Chain database I/O", "Bps", [
                { expr: `rate(eth_db_chaindata_disk_read{${job}}[$__rate_interval])`, legend: "read" },
                { expr: `rate(eth_db_chaindata_disk_write{${job}}[$__rate_interval])`, legend: "write" },
            ]),
        )
        .build();
    return { uid: "eth-node-execution", fileName: "execution.json", model };
}
