/** Consensus dashboard: is Prysm at the clock's slot, is the chain finalizing, and how many peers it has. */
import { AlertThresholds } from "../components/monitoringConfig";
import { PEER_MONITOR_METRIC_NAMES as PM } from "../components/monitoring/peerMonitorMetrics";
import { jobMatcher } from "../components/monitoring/promql";
import { GeneratedDashboard, newDashboard, row, statPanel, timeseriesPanel } from "./common";

/** Mainnet, Sepolia and Hoodi all use 32 slots per epoch. */
const SLOTS_PER_EPOCH = 32;

export function buildConsensusDashboard(t: AlertThresholds): GeneratedDashboard {
    const job = jobMatcher("beacon");
    const model = newDashboard("eth-node-consensus", "Consensus (Prysm)", "Beacon head against the clock slot, finality, peers and sync state.")
        .withRow(row("Head and finality"))
        .withPanel(
            statPanel("Head lag (slots)", "none", { expr: `beacon_clock_time_slot{${job}} - beacon_head_slot{${job}}` }, [
                { value: null, color: "green" },
                { value: 2, color: "orange" },
                { value: t.clHeadLagSlots + 1, color: "red" },
            ]),
        )
        .withPanel(statPanel("Finalized epoch", "none", { expr: `beacon_finalized_epoch{${job}}` }))
        .withPanel(
            statPanel(
                "Epochs since finality",
                "none",
                { expr: `floor(beacon_clock_time_slot{${job}} / ${SLOTS_PER_EPOCH}) - beacon_finalized_epoch{${job}}` },
                [
                    { value: null, color: "green" },
                    { value: 4, color: "red" },
                ],
                "2 is normal; more means the network (or this node) is not finalizing.",
            ),
        )
        .withPanel(
            statPanel("Connected peers", "none", { expr: `p2p_peer_count{${job},state="Connected"}` }, [
                { value: null, color: "red" },
                { value: t.clMinPeers, color: "green" },
            ]),
        )
        .withPanel(
            timeseriesPanel("Head slot vs clock slot", "none", [
                { expr: `beacon_clock_time_slot{${job}}`, legend: "clock slot" },
                { expr: `beacon_head_slot{${job}}`, legend: "head slot" },
            ]),
        )
        .withPanel(
            timeseriesPanel("Finalized and justified epoch", "none", [
                { expr: `beacon_finalized_epoch{${job}}`, legend: "finalized" },
                { expr: `beacon_current_justified_epoch{${job}}`, legend: "justified" },
            ]),
        )
        .withRow(row("Sync"))
        .withPanel(
            timeseriesPanel(
                "Sync distance (slots, node-reported)",
                "none",
                [{ expr: `${PM.distance}{layer="cl"}`, legend: "sync distance" }],
                "From /eth/v1/node/syncing, polled by the peer monitor.",
            ),
        )
        .withPanel(
            timeseriesPanel("Syncing / optimistic / EL offline (1 = yes)", "none", [
                { expr: `${PM.syncing}{layer="cl"}`, legend: "syncing" },
                { expr: `${PM.clOptimistic}{layer="cl"}`, legend: "optimistic" },
                { expr: `${PM.clElOffline}{layer="cl"}`, legend: "EL offline" },
            ]),
        )
        .withRow(row("Peers"))
        .withPanel(timeseriesPanel("Peers by state", "none", [{ expr: `p2p_peer_count{${job}}`, legend: "{{state}}" }]))
        .withPanel(timeseriesPanel("Connected peers by client", "none", [{ expr: `connected_libp2p_peers{${job}}`, legend: "{{agent}}" }]))
        .withPanel(timeseriesPanel("Reorgs per hour", "none", [{ expr: `increase(beacon_reorgs_total{${job}}[1h])`, legend: "reorgs" }]))
        .build();
    return { uid: "eth-node-consensus", fileName: "consensus.json", model };
}
