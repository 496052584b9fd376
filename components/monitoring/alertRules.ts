/**
 * Alert rules as TypeScript objects, rendered to a Prometheus rules file. Each rule carries two
 * `promtool test rules` cases — an input where it must fire and one where it must stay quiet — so a rule
 * cannot be added without proving both, and the cases are built from the same thresholds as the rule.
 */
import { AlertThresholds } from "../monitoringConfig";
import { GETH_METRICS, PEER_MONITOR_METRICS, PRYSM_METRICS } from "../endpoints";
import { scrapeAddress } from "../metrics";
import { PEER_MONITOR_METRIC_NAMES as PM } from "./peerMonitorMetrics";
import { MONITORING_SERVICES } from "./services";
import { toYaml } from "./yaml";

export type Severity = "warning" | "critical";

/** One promtool input series: a selector and its values in promtool's expanding notation (`a+bxN`). */
export interface InputSeries {
    series: string;
    values: string;
}

export interface AlertRule {
    /** Rule group in the rules file. */
    group: string;
    alert: string;
    expr: string;
    /** How long the condition must hold before the alert fires (Prometheus `for`). */
    for: string;
    severity: Severity;
    /** Templates may only use `{{ $labels.<name> }}`, so the tests can expand them exactly. */
    summary: string;
    description: string;
    /** Input on which the alert must fire, and the labels (besides alertname/severity) each firing alert has. */
    fires: { series: InputSeries[]; alerts: Record<string, string>[] };
    /** Input on which the alert must not fire (usually the threshold itself). */
    quiet: { series: InputSeries[] };
}

/** The scrape jobs rules filter on, so a rule cannot match an unrelated target's metric of the same name. */
export interface RuleJobs {
    execution: string;
    consensus: string;
    peerMonitor: string;
    nodeExporter: string;
}

export const DEFAULT_RULE_JOBS: RuleJobs = {
    execution: GETH_METRICS.job,
    consensus: PRYSM_METRICS.job,
    peerMonitor: PEER_MONITOR_METRICS.job,
    nodeExporter: "node-exporter",
};

/** Rule tests feed one sample every 15 s for 150 minutes and evaluate at 120 minutes (longer than any `for`). */
export const TEST_INTERVAL_SECONDS = 15;
export const TEST_SAMPLES = 600;
export const TEST_EVAL_MINUTES = 120;

/** A series holding one value for the whole test. */
const constant = (value: number): string => `${value}x${TEST_SAMPLES}`;
/** A series rising by `step` per sample. */
const rising = (start: number, step: number): string => `${start}+${step}x${TEST_SAMPLES}`;

/** Filesystems that are not real storage (or belong to containers) are left out of disk alerts and panels. */
export const REAL_FILESYSTEMS = 'fstype!~"tmpfs|ramfs|devtmpfs|overlay|squashfs|nsfs|autofs|fuse.lxcfs|tracefs"';

function labelsOf(job: string, instance: string, extra: Record<string, string> = {}): Record<string, string> {
    return { ...extra, instance, job };
}

function selector(metric: string, labels: Record<string, string>): string {
    const inner = Object.entries(labels)
        .map(([k, v]) => `${k}="${v}"`)
        .join(",");
    return `${metric}{${inner}}`;
}

/** Builds every alert rule for these thresholds. Pure: the same thresholds always give the same rules. */
export function buildAlertRules(t: AlertThresholds, jobs: RuleJobs = DEFAULT_RULE_JOBS): AlertRule[] {
    const geth = labelsOf(jobs.execution, scrapeAddress(GETH_METRICS));
    const prysm = labelsOf(jobs.consensus, scrapeAddress(PRYSM_METRICS));
    const peerMon = labelsOf(jobs.peerMonitor, scrapeAddress(PEER_MONITOR_METRICS));
    const nodeExp = labelsOf(jobs.nodeExporter, `${MONITORING_SERVICES.nodeExporter.alias}:${MONITORING_SERVICES.nodeExporter.port}`);
    const rootFs = { ...nodeExp, device: "/dev/nvme0n1p1", fstype: "ext4", mountpoint: "/" };
    const fs = REAL_FILESYSTEMS;
    const evalSeconds = TEST_EVAL_MINUTES * 60;

    const diskRule = (alert: string, severity: Severity, percent: number): AlertRule => ({
        group: "host",
        alert,
        expr:
            `(node_filesystem_avail_bytes{${fs}} / node_filesystem_size_bytes{${fs}} * 100 < ${percent})` +
            ` and node_filesystem_readonly{${fs}} == 0`,
        for: severity === "critical" ? "2m" : "10m",
        severity,
        summary: `Less than ${percent}% disk space free on {{ $labels.mountpoint }}`,
        description:
            `Filesystem {{ $labels.mountpoint }} ({{ $labels.device }}) has less than ${percent}% of its space free. ` +
            (severity === "critical"
                ? "Geth and Prysm corrupt or stop when the disk fills: free space or grow the volume now."
                : "Plan to prune or grow the volume; see the Host dashboard's fill-time prediction."),
        fires: {
            series: [
                { series: selector("node_filesystem_size_bytes", rootFs), values: constant(1000) },
                { series: selector("node_filesystem_avail_bytes", rootFs), values: constant(percent * 10 - 5) },
                { series: selector("node_filesystem_readonly", rootFs), values: constant(0) },
            ],
            alerts: [rootFs],
        },
        quiet: {
            series: [
                { series: selector("node_filesystem_size_bytes", rootFs), values: constant(1000) },
                { series: selector("node_filesystem_avail_bytes", rootFs), values: constant(percent * 10) },
                { series: selector("node_filesystem_readonly", rootFs), values: constant(0) },
            ],
        },
    });

    return [
        {
            group: "targets",
            alert: "TargetDown",
            expr: "up == 0",
            for: "5m",
            severity: "critical",
            summary: "{{ $labels.job }} target {{ $labels.instance }} is down",
            description: "Prometheus could not scrape {{ $labels.job }} at {{ $labels.instance }} for 5 minutes: the container is stopped, restarting or not serving metrics.",
            fires: { series: [{ series: selector("up", geth), values: constant(0) }], alerts: [geth] },
            quiet: { series: [{ series: selector("up", geth), values: constant(1) }] },
        },
        {
            group: "execution",
            alert: "ExecutionPeersLow",
            expr: `p2p_peers{job="${jobs.execution}"} < ${t.elMinPeers}`,
            for: "10m",
            severity: "warning",
            summary: `Geth has fewer than ${t.elMinPeers} peers`,
            description: `Geth at {{ $labels.instance }} has had fewer than ${t.elMinPeers} devp2p peers for 10 minutes. Check that the P2P port is reachable from the internet and the host's clock and network.`,
            fires: { series: [{ series: selector("p2p_peers", geth), values: constant(t.elMinPeers - 1) }], alerts: [geth] },
            quiet: { series: [{ series: selector("p2p_peers", geth), values: constant(t.elMinPeers) }] },
        },
        {
            group: "execution",
            alert: "ExecutionHeadStalled",
            expr: `changes(chain_head_block{job="${jobs.execution}"}[${t.elHeadStallMinutes}m]) == 0`,
            for: "1m",
            severity: "critical",
            summary: `Geth's head block has not advanced for ${t.elHeadStallMinutes} minutes`,
            description: `chain_head_block on {{ $labels.instance }} has not changed for ${t.elHeadStallMinutes} minutes (a block is due every 12 s). Geth is stuck, lost its peers or its consensus client. During the initial snap sync the head does not move until state sync completes.`,
            fires: { series: [{ series: selector("chain_head_block", geth), values: constant(21000000) }], alerts: [geth] },
            quiet: { series: [{ series: selector("chain_head_block", geth), values: rising(21000000, 1) }] },
        },
        {
            group: "consensus",
            alert: "ConsensusPeersLow",
            expr: `p2p_peer_count{job="${jobs.consensus}",state="Connected"} < ${t.clMinPeers}`,
            for: "10m",
            severity: "warning",
            summary: `Prysm has fewer than ${t.clMinPeers} connected peers`,
            description: `Prysm at {{ $labels.instance }} has had fewer than ${t.clMinPeers} connected libp2p peers for 10 minutes. Check that the consensus P2P ports (TCP and UDP) are reachable.`,
            fires: {
                series: [{ series: selector("p2p_peer_count", { ...prysm, state: "Connected" }), values: constant(t.clMinPeers - 1) }],
                alerts: [{ ...prysm, state: "Connected" }],
            },
            quiet: { series: [{ series: selector("p2p_peer_count", { ...prysm, state: "Connected" }), values: constant(t.clMinPeers) }] },
        },
        {
            group: "consensus",
            alert: "ConsensusHeadLagging",
            expr: `beacon_clock_time_slot{job="${jobs.consensus}"} - beacon_head_slot{job="${jobs.consensus}"} > ${t.clHeadLagSlots}`,
            for: "5m",
            severity: "warning",
            summary: `Beacon head is more than ${t.clHeadLagSlots} slots behind the clock`,
            description: `Prysm at {{ $labels.instance }} has a head more than ${t.clHeadLagSlots} slots behind the wall-clock slot for 5 minutes: it is syncing, has too few peers, or its execution client is not keeping up.`,
            fires: {
                series: [
                    { series: selector("beacon_clock_time_slot", prysm), values: constant(10000000) },
                    { series: selector("beacon_head_slot", prysm), values: constant(10000000 - t.clHeadLagSlots - 1) },
                ],
                alerts: [prysm],
            },
            quiet: {
                series: [
                    { series: selector("beacon_clock_time_slot", prysm), values: constant(10000000) },
                    { series: selector("beacon_head_slot", prysm), values: constant(10000000 - t.clHeadLagSlots) },
                ],
            },
        },
        {
            group: "consensus",
            alert: "ConsensusOptimistic",
            expr: `${PM.clOptimistic}{job="${jobs.peerMonitor}"} == 1`,
            for: "10m",
            severity: "warning",
            summary: "Beacon node has been optimistic for 10 minutes",
            description: "The beacon node reports is_optimistic (its head is not yet verified by the execution client) for 10 minutes, as seen by the peer monitor. Expected during initial sync; otherwise Geth is behind.",
            fires: { series: [{ series: selector(PM.clOptimistic, peerMon), values: constant(1) }], alerts: [peerMon] },
            quiet: { series: [{ series: selector(PM.clOptimistic, peerMon), values: constant(0) }] },
        },
        {
            group: "consensus",
            alert: "ExecutionOfflineForConsensus",
            expr: `${PM.clElOffline}{job="${jobs.peerMonitor}"} == 1`,
            for: "2m",
            severity: "critical",
            summary: "Beacon node cannot reach its execution client",
            description: "The beacon node reports el_offline for 2 minutes (as seen by the peer monitor): the engine API at execution:8551 is unreachable or the JWT secret does not match.",
            fires: { series: [{ series: selector(PM.clElOffline, peerMon), values: constant(1) }], alerts: [peerMon] },
            quiet: { series: [{ series: selector(PM.clElOffline, peerMon), values: constant(0) }] },
        },
        diskRule("DiskSpaceLow", "warning", t.diskWarnPercent),
        diskRule("DiskSpaceCritical", "critical", t.diskCriticalPercent),
        {
            group: "host",
            alert: "MemoryPressure",
            expr: `node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes * 100 < ${t.memoryAvailableMinPercent}`,
            for: "5m",
            severity: "warning",
            summary: `Less than ${t.memoryAvailableMinPercent}% of memory available`,
            description: `The host at {{ $labels.instance }} has had less than ${t.memoryAvailableMinPercent}% of its memory available for 5 minutes; the kernel may OOM-kill Geth or Prysm.`,
            fires: {
                series: [
                    { series: selector("node_memory_MemTotal_bytes", nodeExp), values: constant(1000) },
                    { series: selector("node_memory_MemAvailable_bytes", nodeExp), values: constant(t.memoryAvailableMinPercent * 10 - 5) },
                ],
                alerts: [nodeExp],
            },
            quiet: {
                series: [
                    { series: selector("node_memory_MemTotal_bytes", nodeExp), values: constant(1000) },
                    { series: selector("node_memory_MemAvailable_bytes", nodeExp), values: constant(t.memoryAvailableMinPercent * 10) },
                ],
            },
        },
        {
            group: "host",
            alert: "ClockDrift",
            expr: `abs(node_timex_offset_seconds) > ${t.clockDriftSeconds} or node_timex_estimated_error_seconds > ${t.clockDriftSeconds}`,
            for: "5m",
            severity: "warning",
            summary: `Host clock is off by more than ${t.clockDriftSeconds}s`,
            description: `The host clock at {{ $labels.instance }} is more than ${t.clockDriftSeconds}s off (offset or estimated error) for 5 minutes. Slots are 12 s long: a drifting clock makes the beacon node miss or reject messages. Check chrony/systemd-timesyncd.`,
            fires: {
                series: [
                    { series: selector("node_timex_offset_seconds", nodeExp), values: constant(-2 * t.clockDriftSeconds) },
                    { series: selector("node_timex_estimated_error_seconds", nodeExp), values: constant(0) },
                ],
                alerts: [nodeExp],
            },
            quiet: {
                series: [
                    { series: selector("node_timex_offset_seconds", nodeExp), values: constant(-t.clockDriftSeconds / 2) },
                    { series: selector("node_timex_estimated_error_seconds", nodeExp), values: constant(t.clockDriftSeconds / 2) },
                ],
            },
        },
        {
            group: "host",
            alert: "ClockNotSynchronised",
            expr: "max_over_time(node_timex_sync_status[5m]) == 0",
            for: "10m",
            severity: "warning",
            summary: "Host clock is not synchronised",
            description: "The kernel reports the clock of {{ $labels.instance }} as unsynchronised for 15 minutes: no NTP daemon is disciplining it.",
            fires: { series: [{ series: selector("node_timex_sync_status", nodeExp), values: constant(0) }], alerts: [nodeExp] },
            quiet: { series: [{ series: selector("node_timex_sync_status", nodeExp), values: constant(1) }] },
        },
        {
            group: "peer-monitor",
            alert: "PeerMonitorStale",
            expr: `time() - ${PM.lastSuccess}{job="${jobs.peerMonitor}"} > ${t.peerMonitorStaleSeconds}`,
            for: "2m",
            severity: "warning",
            summary: "Peer monitor has no fresh {{ $labels.layer }} data",
            description: `The peer monitor has not completed a successful {{ $labels.layer }} poll for more than ${t.peerMonitorStaleSeconds}s; its peer data and sync gauges are stale. Check its logs (Logs dashboard) and /healthz.`,
            fires: {
                // The last success stopped long before the evaluation time.
                series: [{ series: selector(PM.lastSuccess, { ...peerMon, layer: "el" }), values: constant(evalSeconds - t.peerMonitorStaleSeconds - 600) }],
                alerts: [{ ...peerMon, layer: "el" }],
            },
            quiet: {
                // The timestamp keeps pace with the clock: one success per sample.
                series: [{ series: selector(PM.lastSuccess, { ...peerMon, layer: "el" }), values: rising(0, TEST_INTERVAL_SECONDS) }],
            },
        },
    ];
}

/** The rules file Prometheus loads. */
export function renderAlertRules(rules: AlertRule[]): string {
    const groups = [...new Set(rules.map((r) => r.group))].map((group) => ({
        name: `eth-node-${group}`,
        rules: rules
            .filter((r) => r.group === group)
            .map((r) => ({
                alert: r.alert,
                expr: r.expr,
                for: r.for,
                labels: { severity: r.severity },
                annotations: { summary: r.summary, description: r.description },
            })),
    }));
    return toYaml({ groups });
}

/** Expands `{{ $labels.x }}` the way Prometheus does, for the annotations promtool expects. */
export function expandLabelTemplates(template: string, labels: Record<string, string>): string {
    const expanded = template.replace(/\{\{\s*\$labels\.([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}/g, (_, name: string) => labels[name] ?? "");
    if (expanded.includes("{{")) throw new Error(`Unsupported template in "${template}": annotations may only use {{ $labels.<name> }}`);
    return expanded;
}

/** The `promtool test rules` file: for each rule a group where it fires and one where it stays quiet. */
export function renderAlertRuleTests(rules: AlertRule[], rulesFileName: string): string {
    const evalTime = `${TEST_EVAL_MINUTES}m`;
    const tests = rules.flatMap((rule) => [
        {
            name: `${rule.alert} fires`,
            interval: `${TEST_INTERVAL_SECONDS}s`,
            input_series: rule.fires.series,
            alert_rule_test: [
                {
                    eval_time: evalTime,
                    alertname: rule.alert,
                    exp_alerts: rule.fires.alerts.map((labels) => ({
                        exp_labels: { ...labels, severity: rule.severity },
                        exp_annotations: {
                            summary: expandLabelTemplates(rule.summary, labels),
                            description: expandLabelTemplates(rule.description, labels),
                        },
                    })),
                },
            ],
        },
        {
            name: `${rule.alert} stays quiet`,
            interval: `${TEST_INTERVAL_SECONDS}s`,
            input_series: rule.quiet.series,
            alert_rule_test: [{ eval_time: evalTime, alertname: rule.alert, exp_alerts: [] }],
        },
    ]);
    return toYaml({ rule_files: [rulesFileName], evaluation_interval: `${TEST_INTERVAL_SECONDS}s`, tests });
}
