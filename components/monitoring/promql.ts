/**
 * Just enough PromQL handling for rules, dashboards and checks: the job matcher every query of a service's
 * metrics uses, substituting Grafana's built-in variables so a dashboard query becomes plain PromQL, and
 * listing the metric names an expression selects (for the metrics catalog check).
 */
import { ServiceId, scrapeTargetOf } from "../services";

/** `job="<job>"`: queries filter on the scrape job, so they cannot match an unrelated target's metric of the same name. */
export function jobMatcher(id: ServiceId): string {
    return `job="${scrapeTargetOf(id).job}"`;
}

/** Grafana's interval variables → fixed durations, so promtool can parse a dashboard query. */
export function substituteGrafanaVariables(expr: string): string {
    return expr
        .replace(/\$__rate_interval|\$\{__rate_interval\}/g, "5m")
        .replace(/\$__interval|\$\{__interval\}/g, "1m")
        .replace(/\$__range|\$\{__range\}/g, "1h")
        .replace(/\$\{?[a-zA-Z_][a-zA-Z0-9_]*\}?/g, ".*");
}

const KEYWORDS = new Set([
    "by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "bool", "offset",
    "inf", "nan", "atan2", "start", "end", "topk", "bottomk", "sum", "min", "max", "avg", "count", "stddev",
    "stdvar", "quantile", "count_values", "group", "limitk", "limit_ratio",
]);

/**
 * Metric names selected by a PromQL expression: identifiers that are not functions, keywords, label names
 * (inside `{}` or grouping lists) or durations. Strings and `[...]` ranges are skipped.
 */
export function metricNamesIn(expr: string): string[] {
    let s = expr
        .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""') // string literals
        .replace(/\{[^}]*\}/g, " ") // label matchers
        .replace(/\[[^\]]*\]/g, " "); // ranges and subqueries
    // Grouping and matching label lists: by (...), without (...), on (...), ignoring (...), group_x (...).
    s = s.replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ");
    const names = new Set<string>();
    const token = /(\d+(?:\.\d+)?(?:e[+-]?\d+)?[a-zA-Z]*)|([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g;
    let m: RegExpExecArray | null;
    while ((m = token.exec(s)) !== null) {
        const [, number, ident, call] = m;
        if (number !== undefined || ident === undefined || call !== undefined) continue;
        if (KEYWORDS.has(ident.toLowerCase())) continue;
        names.add(ident);
    }
    return [...names].sort();
}
