/**
 * The shape of an alert rule and the helpers its promtool cases are built with. Each rule carries two
 * `promtool test rules` cases — an input where it must fire and one where it must stay quiet — so a rule
 * cannot be added without proving both, and the cases are built from the same thresholds as the rule.
 */
import { ServiceId, scrapeTargetOf } from "../../services";
import { jobMatcher } from "../promql";

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

/** Rule tests feed one sample every 15 s for 150 minutes and evaluate at 120 minutes (longer than any `for`). */
export const TEST_INTERVAL_SECONDS = 15;
export const TEST_SAMPLES = 600;
export const TEST_EVAL_MINUTES = 120;

/** A series holding one value for the whole test. */
export const constant = (value: number): string => `${value}x${TEST_SAMPLES}`;
/** A series rising by `step` per sample. */
export const rising = (start: number, step: number): string => `${start}+${step}x${TEST_SAMPLES}`;

/** The labels Prometheus gives a series scraped from a service: its job and instance (`alias:port`). */
export function scrapedLabels(id: ServiceId, extra: Record<string, string> = {}): Record<string, string> {
    const target = scrapeTargetOf(id);
    return { ...extra, instance: target.address, job: target.job };
}

export function selector(metric: string, labels: Record<string, string>): string {
    const inner = Object.entries(labels)
        .map(([k, v]) => `${k}="${v}"`)
        .join(",");
    return `${metric}{${inner}}`;
}

/**
 * A rule over one series of a service's metric: it must fire while the series holds `values.fires` and stay
 * quiet at `values.quiet`. `extraLabels` are the series' labels besides job and instance.
 */
export function singleSeriesRule(
    rule: Omit<AlertRule, "fires" | "quiet">,
    service: ServiceId,
    metric: string,
    values: { fires: number; quiet: number },
    extraLabels: Record<string, string> = {},
): AlertRule {
    const labels = scrapedLabels(service, extraLabels);
    return {
        ...rule,
        fires: { series: [{ series: selector(metric, labels), values: constant(values.fires) }], alerts: [labels] },
        quiet: { series: [{ series: selector(metric, labels), values: constant(values.quiet) }] },
    };
}

/** A rule that fires while a service's 0/1 gauge `metric` is 1. */
export function flagRule(rule: Omit<AlertRule, "expr" | "fires" | "quiet">, service: ServiceId, metric: string): AlertRule {
    return singleSeriesRule({ ...rule, expr: `${metric}{${jobMatcher(service)}} == 1` }, service, metric, { fires: 1, quiet: 0 });
}
