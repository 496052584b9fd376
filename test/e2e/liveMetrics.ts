/**
 * The generated monitoring checked against the real Prometheus with the real targets running: every alert
 * rule and dashboard expression must evaluate, and every metric name it (or the metrics catalog) relies on
 * must exist in the live data — unless it is listed in CONDITIONAL_METRICS with the reason the e2e run
 * cannot produce it.
 */
import * as fs from "fs";
import * as path from "path";
import { metricNamesIn, substituteGrafanaVariables } from "../../components/monitoring/promql";

/**
 * Metric names that exist only under conditions this offline e2e run cannot create, with the reason.
 * A name listed here that does appear live is reported too (the list must not go stale).
 */
export const CONDITIONAL_METRICS: Record<string, string> = {
    connected_libp2p_peers: "Prysm exports one series per connected peer's agent; the offline beacon node has no peers",
};

export interface CatalogEntry {
    name: string;
    type: "gauge" | "counter" | "histogram" | "summary";
    target: string;
}

export function readCatalog(): CatalogEntry[] {
    return JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "docs", "metrics-catalog.json"), "utf8")).metrics;
}

/** A histogram or summary is present when its `_bucket`/`_count` series are (Prometheus keeps no base name). */
export function isLive(name: string, live: ReadonlySet<string>): boolean {
    return live.has(name) || live.has(`${name}_bucket`) || live.has(`${name}_count`);
}

/** The names of `names` that are neither live nor documented as conditional. */
export function unexplainedMissing(names: Iterable<string>, live: ReadonlySet<string>): string[] {
    return [...new Set(names)].filter((n) => !isLive(n, live) && !(n in CONDITIONAL_METRICS)).sort();
}

/** The conditional names that are live after all: their entry in CONDITIONAL_METRICS is wrong. */
export function staleConditionals(live: ReadonlySet<string>): string[] {
    return Object.keys(CONDITIONAL_METRICS).filter((n) => isLive(n, live)).sort();
}

/** The metric names an expression selects once Grafana's variables are substituted (as a dashboard sends it). */
export function namesIn(expr: string): string[] {
    return metricNamesIn(substituteGrafanaVariables(expr));
}
