/** Rule group "execution": Geth's peers and head. */
import { AlertThresholds } from "../../monitoringConfig";
import { AlertRule, constant, rising, scrapedLabels, selector, singleSeriesRule } from "./rule";
import { jobMatcher } from "../promql";

export function executionRules(t: AlertThresholds): AlertRule[] {
    const geth = scrapedLabels("execution");
    const job = jobMatcher("execution");
    return [
        singleSeriesRule(
            {
                group: "execution",
                alert: "ExecutionPeersLow",
                expr: `p2p_peers{${job}} < ${t.elMinPeers}`,
                for: "10m",
                severity: "warning",
                summary: `Geth has fewer than ${t.elMinPeers} peers`,
                description: `Geth at {{ $labels.instance }} has had fewer than ${t.elMinPeers} devp2p peers for 10 minutes. Check that the P2P port is reachable from the internet and the host's clock and network.`,
            },
            "execution",
            "p2p_peers",
            { fires: t.elMinPeers - 1, quiet: t.elMinPeers },
        ),
        {
            group: "execution",
            alert: "ExecutionHeadStalled",
            // changes(), not rate(): chain_head_block is a gauge (it can step back on a reorg).
            expr: `changes(chain_head_block{${job}}[${t.elHeadStallMinutes}m]) == 0`,
            for: "1m",
            severity: "critical",
            summary: `Geth's head block has not advanced for ${t.elHeadStallMinutes} minutes`,
            description: `chain_head_block on {{ $labels.instance }} has not changed for ${t.elHeadStallMinutes} minutes (a block is due every 12 s). Geth is stuck, lost its peers or its consensus client. During the initial snap sync the head does not move until state sync completes.`,
            fires: { series: [{ series: selector("chain_head_block", geth), values: constant(21000000) }], alerts: [geth] },
            quiet: { series: [{ series: selector("chain_head_block", geth), values: rising(21000000, 1) }] },
        },
    ];
}
