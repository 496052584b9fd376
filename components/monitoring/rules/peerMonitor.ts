/** Rule group "peer-monitor": the monitor's own data going stale. */
import { AlertThresholds } from "../../monitoringConfig";
import { PEER_MONITOR_METRIC_NAMES as PM } from "../peerMonitorMetrics";
import { AlertRule, TEST_EVAL_MINUTES, TEST_INTERVAL_SECONDS, constant, rising, scrapedLabels, selector } from "./rule";
import { jobMatcher } from "../promql";

/** The staleness expression for one layer selector, shared with the Peers dashboard so both use one threshold. */
export function secondsSinceLastSuccess(layerMatcher: string): string {
    return `time() - ${PM.lastSuccess}{${layerMatcher}}`;
}

export function peerMonitorRules(t: AlertThresholds): AlertRule[] {
    const el = scrapedLabels("peerMonitor", { layer: "el" });
    const evalSeconds = TEST_EVAL_MINUTES * 60;
    return [
        {
            group: "peer-monitor",
            alert: "PeerMonitorStale",
            expr: `${secondsSinceLastSuccess(jobMatcher("peerMonitor"))} > ${t.peerMonitorStaleSeconds}`,
            for: "2m",
            severity: "warning",
            summary: "Peer monitor has no fresh {{ $labels.layer }} data",
            description: `The peer monitor has not completed a successful {{ $labels.layer }} poll for more than ${t.peerMonitorStaleSeconds}s; its peer data and sync gauges are stale. Check its logs (Logs dashboard) and /healthz.`,
            fires: {
                // The last success stopped long before the evaluation time.
                series: [{ series: selector(PM.lastSuccess, el), values: constant(evalSeconds - t.peerMonitorStaleSeconds - 600) }],
                alerts: [el],
            },
            quiet: {
                // The timestamp keeps pace with the clock: one success per sample.
                series: [{ series: selector(PM.lastSuccess, el), values: rising(0, TEST_INTERVAL_SECONDS) }],
            },
        },
    ];
}
