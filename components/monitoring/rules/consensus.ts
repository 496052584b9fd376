/** Rule group "consensus": Prysm's peers and head, and what the beacon node reports through the peer monitor. */
import { serviceAddress } from "../../services";
import { AlertThresholds } from "../../monitoringConfig";
import { PEER_MONITOR_METRIC_NAMES as PM } from "../peerMonitorMetrics";
import { AlertRule, constant, flagRule, scrapedLabels, selector, singleSeriesRule } from "./rule";
import { jobMatcher } from "../promql";

export function consensusRules(t: AlertThresholds): AlertRule[] {
    const prysm = scrapedLabels("beacon");
    const job = jobMatcher("beacon");
    const headSlot = (lag: number) => [
        { series: selector("beacon_clock_time_slot", prysm), values: constant(10000000) },
        { series: selector("beacon_head_slot", prysm), values: constant(10000000 - lag) },
    ];
    return [
        singleSeriesRule(
            {
                group: "consensus",
                alert: "ConsensusPeersLow",
                expr: `p2p_peer_count{${job},state="Connected"} < ${t.clMinPeers}`,
                for: "10m",
                severity: "warning",
                summary: `Prysm has fewer than ${t.clMinPeers} connected peers`,
                description: `Prysm at {{ $labels.instance }} has had fewer than ${t.clMinPeers} connected libp2p peers for 10 minutes. Check that the consensus P2P ports (TCP and UDP) are reachable.`,
            },
            "beacon",
            "p2p_peer_count",
            { fires: t.clMinPeers - 1, quiet: t.clMinPeers },
            { state: "Connected" },
        ),
        {
            group: "consensus",
            alert: "ConsensusHeadLagging",
            expr: `beacon_clock_time_slot{${job}} - beacon_head_slot{${job}} > ${t.clHeadLagSlots}`,
            for: "5m",
            severity: "warning",
            summary: `Beacon head is more than ${t.clHeadLagSlots} slots behind the clock`,
            description: `Prysm at {{ $labels.instance }} has a head more than ${t.clHeadLagSlots} slots behind the wall-clock slot for 5 minutes: it is syncing, has too few peers, or its execution client is not keeping up.`,
            fires: { series: headSlot(t.clHeadLagSlots + 1), alerts: [prysm] },
            quiet: { series: headSlot(t.clHeadLagSlots) },
        },
        flagRule(
            {
                group: "consensus",
                alert: "ConsensusOptimistic",
                for: "10m",
                severity: "warning",
                summary: "Beacon node has been optimistic for 10 minutes",
                description: "The beacon node reports is_optimistic (its head is not yet verified by the execution client) for 10 minutes, as seen by the peer monitor. Expected during initial sync; otherwise Geth is behind.",
            },
            "peerMonitor",
            PM.clOptimistic,
        ),
        flagRule(
            {
                group: "consensus",
                alert: "ExecutionOfflineForConsensus",
                for: "2m",
                severity: "critical",
                summary: "Beacon node cannot reach its execution client",
                description: `The beacon node reports el_offline for 2 minutes (as seen by the peer monitor): the engine API at ${serviceAddress("execution", "engine")} is unreachable or the JWT secret does not match.`,
            },
            "peerMonitor",
            PM.clElOffline,
        ),
    ];
}
