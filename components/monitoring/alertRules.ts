/**
 * Alert rules rendered to a Prometheus rules file and to its `promtool test rules` file. The rules live in
 * one module per group (rules/); each carries a case where it must fire and one where it must stay quiet.
 */
import { AlertThresholds } from "../monitoringConfig";
import { AlertRule, TEST_EVAL_MINUTES, TEST_INTERVAL_SECONDS } from "./rules/rule";
import { consensusRules } from "./rules/consensus";
import { executionRules } from "./rules/execution";
import { hostRules } from "./rules/host";
import { peerMonitorRules } from "./rules/peerMonitor";
import { targetRules } from "./rules/targets";
import { validatorTrackerRules } from "./rules/validatorTracker";
import { MonitoredFeatures } from "./features";
import { toYaml } from "./yaml";

export { AlertRule, InputSeries, Severity } from "./rules/rule";

/**
 * Every alert rule for these thresholds and deployed features, group by group: a feature's group only when it
 * is on. Pure: the same input always gives the same rules.
 */
export function buildAlertRules(t: AlertThresholds, features: MonitoredFeatures): AlertRule[] {
    return [
        ...targetRules(),
        ...executionRules(t),
        ...consensusRules(t),
        ...hostRules(t),
        ...peerMonitorRules(t),
        ...(features.validatorTracker ? validatorTrackerRules(t) : []),
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
