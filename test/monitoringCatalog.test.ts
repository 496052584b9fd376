/**
 * Every metric name a dashboard or rule uses must be listed in docs/metrics-catalog.json with the target that
 * exposes it and where it is defined; the peer monitor's names are also checked against its source.
 */
import * as fs from "fs";
import * as path from "path";
import { parseMonitoringConfig } from "../components/monitoringConfig";
import { metricNamesIn, substituteGrafanaVariables } from "../components/monitoring/promql";
import { PEER_MONITOR_METRIC_NAMES } from "../components/monitoring/peerMonitorMetrics";
import { ALL_FEATURES, NO_FEATURES } from "../components/monitoring/features";
import { allPromExpressions } from "./monitoringTools";

interface CatalogEntry {
    name: string;
    type: "gauge" | "counter" | "histogram" | "summary";
    target: string;
    source: string;
    /** The optional part of the stack that deploys the target (its names are scraped only then). */
    requires?: "validatorTracker";
    help: string;
}

const ROOT = path.join(__dirname, "..");
const catalog: CatalogEntry[] = JSON.parse(fs.readFileSync(path.join(ROOT, "docs", "metrics-catalog.json"), "utf8")).metrics;
const byName = new Map(catalog.map((e) => [e.name, e]));

/** A histogram's series are `<name>_bucket`, `_sum` and `_count`; the catalog lists the base name. */
function catalogEntryFor(series: string): CatalogEntry | undefined {
    const direct = byName.get(series);
    if (direct) return direct;
    const base = /^(.*)_(bucket|sum|count)$/.exec(series);
    const entry = base ? byName.get(base[1]) : undefined;
    return entry && (entry.type === "histogram" || entry.type === "summary") ? entry : undefined;
}

describe("metricNamesIn", () => {
    it.each([
        ['p2p_peers{job="geth"} < 10', ["p2p_peers"]],
        ["up == 0", ["up"]],
        ["sum by (layer, client) (rate(peer_monitor_peers_total[5m])) * 60", ["peer_monitor_peers_total"]],
        ["histogram_quantile(0.95, sum by (le) (rate(x_bucket[$__rate_interval])))", ["x_bucket"]],
        ["time() - last_ts{layer=\"el\"} > 120", ["last_ts"]],
        ["a / on (instance) group_left(mountpoint) b offset 5m and c == bool 1", ["a", "b", "c"]],
        ["predict_linear(node_filesystem_avail_bytes{fstype!~\"tmpfs|x\"}[6h], 7 * 86400)", ["node_filesystem_avail_bytes"]],
        ["abs(x) > 1e-3 or y > 0.5", ["x", "y"]],
    ])("%s → %j", (expr, names) => {
        expect(metricNamesIn(expr)).toEqual(names);
    });

    it("substitutes Grafana variables", () => {
        expect(substituteGrafanaVariables('rate(x{a=~"$role"}[$__rate_interval])')).toBe('rate(x{a=~".*"}[5m])');
    });
});

describe("metrics catalog", () => {
    it("lists each name once, with its type, target, source and help", () => {
        expect(byName.size).toBe(catalog.length);
        for (const entry of catalog) {
            expect(entry.name).toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/);
            expect(["gauge", "counter", "histogram", "summary"]).toContain(entry.type);
            expect(entry.target.length).toBeGreaterThan(0);
            expect(entry.source).toMatch(/^(https:\/\/|peer-monitor\/|valtrack\/)/);
            if (entry.source.startsWith("valtrack/")) expect(entry.requires).toBe("validatorTracker");
            expect(entry.help.length).toBeGreaterThan(5);
        }
    });

    it.each([
        ["default thresholds, no optional part", parseMonitoringConfig(() => undefined).thresholds, NO_FEATURES],
        ["default thresholds, validator tracker on", parseMonitoringConfig(() => undefined).thresholds, ALL_FEATURES],
    ])("covers every metric name used by a rule or dashboard (%s)", (_, thresholds, features) => {
        const missing: string[] = [];
        for (const { where, expr } of allPromExpressions(thresholds, features)) {
            for (const name of metricNamesIn(expr)) {
                if (!catalogEntryFor(name)) missing.push(`${name} (${where})`);
            }
        }
        expect(missing).toEqual([]);
    });

    it("rate(), irate() and increase() are applied to counters only (a gauge such as chain_head_block needs deriv())", () => {
        const misuse: string[] = [];
        for (const { where, expr } of allPromExpressions(undefined, ALL_FEATURES)) {
            for (const [, fn, name] of expr.matchAll(/\b(rate|irate|increase)\s*\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)/g)) {
                const entry = catalogEntryFor(name);
                const counterLike = entry?.type === "counter" || (entry !== undefined && name !== entry.name && name.endsWith("_bucket"));
                if (!counterLike) misuse.push(`${fn}(${name}) is a ${entry?.type ?? "unknown metric"} (${where})`);
            }
        }
        expect(misuse).toEqual([]);
    });

    it("without the validator tracker, no rule or dashboard uses a name that only it exports", () => {
        const used = allPromExpressions(undefined, NO_FEATURES).flatMap(({ expr }) => metricNamesIn(substituteGrafanaVariables(expr)));
        expect(used.filter((n) => catalogEntryFor(n)?.requires !== undefined)).toEqual([]);
    });

    it("marks every name of the validator tracker's targets as requiring it", () => {
        const tracker = catalog.filter((e) => e.target === "valtrack-sentry" || e.target === "valtrack-consumer");
        expect(tracker.length).toBeGreaterThan(15);
        expect(tracker.filter((e) => e.requires !== "validatorTracker")).toEqual([]);
    });

    it("has an entry for every peer-monitor name the rules and dashboards refer to", () => {
        for (const name of Object.values(PEER_MONITOR_METRIC_NAMES)) expect(byName.get(name)?.target).toBe("peer-monitor");
    });

    it("lists only peer-monitor names its source defines", () => {
        const source = fs.readFileSync(path.join(ROOT, "peer-monitor", "src", "metrics.ts"), "utf8");
        const prefix = /metricPrefix\s*=\s*'([^']+)'/.exec(source)?.[1] ?? "peer_monitor_";
        const defined = new Set([...source.matchAll(/name:\s*`\$\{metricPrefix\}([a-z0-9_]+)`/g)].map((m) => prefix + m[1]));
        expect(defined.size).toBeGreaterThan(10);
        const wrong = catalog.filter((e) => e.target === "peer-monitor" && !defined.has(e.name)).map((e) => e.name);
        expect(wrong).toEqual([]);
    });
});
