/**
 * Every valtrack metric name the rules, dashboards and catalog use must be one valtrack defines: checked against
 * the real registries, created by valtrack's own createSentryMetrics and createConsumerMetrics (from its
 * build, valtrack/dist, which must be at least as new as the sources; scripts/test.sh builds it first), not a
 * copied list. valtrack is an ES module with its own dependencies, so the registries are created in a child
 * Node process and their names and types read from there.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parseMonitoringConfig } from "../components/monitoringConfig";
import { ALL_FEATURES } from "../components/monitoring/features";
import { metricNamesIn, substituteGrafanaVariables } from "../components/monitoring/promql";
import { VALTRACK_CONSUMER_METRIC_NAMES, VALTRACK_SENTRY_METRIC_NAMES } from "../components/monitoring/valtrackMetrics";
import { scrapeTargetOf } from "../components/services";
import { allPromExpressions } from "./monitoringTools";

const VALTRACK = path.join(__dirname, "..", "valtrack");
const MODULES = [
    { src: "src/metrics.ts", dist: "dist/metrics.js" },
    { src: "src/consumer/metrics.ts", dist: "dist/consumer/metrics.js" },
];

/** Why valtrack's build cannot be used: missing, or older than a metrics source. */
function buildProblem(): string | undefined {
    for (const m of MODULES) {
        const dist = path.join(VALTRACK, m.dist);
        if (!fs.existsSync(dist)) return `${m.dist} is missing`;
        if (fs.statSync(dist).mtimeMs < fs.statSync(path.join(VALTRACK, m.src)).mtimeMs) return `${m.dist} is older than ${m.src}`;
    }
    return undefined;
}

/** The sentry's sources, stubbed: only the registry's metric definitions are read. */
const SCRIPT = `
const sentry = await import('./dist/metrics.js')
const consumer = await import('./dist/consumer/metrics.js')
const crawler = () => ({ rounds: 0, visits: 0, requests: 0, timeouts: 0, requestErrors: 0, otherDigest: 0 })
const sources = {
  crawler, nodesByDigest: () => new Map(), knownNodes: () => 0, queueDepth: () => 0, dialsInFlight: () => 0,
  sink: () => ({ kind: 'nats', published: 0, failed: 0, dropped: 0, buffered: 0 }),
  currentFork: () => ({ digestHex: '00000000', fork: 'x' }),
}
const list = (registry) => registry.getMetricsAsArray().map((m) => ({ name: m.name, type: m.type }))
process.stdout.write(JSON.stringify({
  'valtrack-sentry': list(sentry.createSentryMetrics(sources).registry),
  'valtrack-consumer': list(consumer.createConsumerMetrics(() => undefined).registry),
}))
process.exit(0)
`;

type Defined = Record<"valtrack-sentry" | "valtrack-consumer", { name: string; type: string }[]>;

function definedMetrics(): Defined {
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", SCRIPT], { cwd: VALTRACK, encoding: "utf8" });
    if (r.status !== 0) throw new Error(`creating valtrack's registries failed: ${r.stderr}`);
    return JSON.parse(r.stdout);
}

interface CatalogEntry {
    name: string;
    type: string;
    target: string;
    requires?: string;
}
const catalog: CatalogEntry[] = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "docs", "metrics-catalog.json"), "utf8")).metrics;

const problem = buildProblem();
const reason = `valtrack's build: ${problem} (npm ci --prefix valtrack && npm run build --prefix valtrack)`;
if (problem && process.env.CI !== "true") console.warn(`\n*** SKIPPING valtrack metric definitions: ${reason} ***\n`);
const describeBuilt = problem && process.env.CI !== "true" ? describe.skip : describe;

describeBuilt("valtrack metric names against valtrack's registries", () => {
    if (problem) {
        it("has valtrack built", () => {
            throw new Error(`CI=true but ${reason}`);
        });
        return;
    }
    const defined = definedMetrics();
    const byName = new Map(Object.entries(defined).flatMap(([target, ms]) => ms.map((m) => [`${target} ${m.name}`, m.type] as const)));
    const targets = { "valtrack-sentry": scrapeTargetOf("valtrackSentry").job, "valtrack-consumer": scrapeTargetOf("valtrackConsumer").job };

    it("reads real registries (the sentry's and the consumer's definitions, default process metrics included)", () => {
        expect(defined["valtrack-sentry"].length).toBeGreaterThan(20);
        expect(defined["valtrack-consumer"].length).toBeGreaterThan(10);
        expect(byName.get("valtrack-sentry valtrack_dials_total")).toBe("counter");
        expect(byName.get("valtrack-consumer valtrack_consumer_lag")).toBe("gauge");
        expect(byName.get("valtrack-sentry valtrack_process_start_time_seconds")).toBe("gauge");
        // The catalog's targets are the scrape jobs (the e2e matches them against the running jobs).
        expect(targets).toEqual({ "valtrack-sentry": "valtrack-sentry", "valtrack-consumer": "valtrack-consumer" });
    });

    it("the catalog's valtrack entries are defined, with that type, by the registry of their target, and marked as requiring the tracker", () => {
        const entries = catalog.filter((e) => e.name.startsWith("valtrack_"));
        expect(entries.length).toBeGreaterThan(15);
        const wrong = entries
            .filter((e) => byName.get(`${e.target} ${e.name}`) !== e.type || e.requires !== "validatorTracker")
            .map((e) => `${e.name} (${e.target}, ${e.type}, requires ${e.requires}): valtrack says ${byName.get(`${e.target} ${e.name}`) ?? "undefined"}`);
        expect(wrong).toEqual([]);
        expect(catalog.filter((e) => e.requires !== undefined && !e.name.startsWith("valtrack_"))).toEqual([]);
    });

    it("names every valtrack metric the rules and dashboards use as the sentry or the consumer defines it", () => {
        const sentry = new Set(defined["valtrack-sentry"].map((m) => m.name));
        const consumer = new Set(defined["valtrack-consumer"].map((m) => m.name));
        const histogramBase = (n: string) => n.replace(/_(bucket|sum|count)$/, "");
        const used = allPromExpressions(parseMonitoringConfig(() => undefined).thresholds, ALL_FEATURES).flatMap(({ where, expr }) =>
            metricNamesIn(substituteGrafanaVariables(expr))
                .filter((n) => n.startsWith("valtrack_"))
                .map((n) => ({ where, name: n })),
        );
        expect(used.length).toBeGreaterThan(20);
        const undefinedNames = used.filter(({ name }) => ![name, histogramBase(name)].some((n) => sentry.has(n) || consumer.has(n)));
        expect(undefinedNames).toEqual([]);
        for (const name of Object.values(VALTRACK_SENTRY_METRIC_NAMES)) expect(sentry).toContain(name);
        for (const name of Object.values(VALTRACK_CONSUMER_METRIC_NAMES)) expect(consumer).toContain(name);
    });

    it("queries a valtrack metric only on the job that exports it", () => {
        const sentry = new Set(defined["valtrack-sentry"].map((m) => m.name));
        const consumer = new Set(defined["valtrack-consumer"].map((m) => m.name));
        const wrong: string[] = [];
        for (const { where, expr } of allPromExpressions(parseMonitoringConfig(() => undefined).thresholds, ALL_FEATURES)) {
            for (const [, name, job] of expr.matchAll(/\b(valtrack_[a-z0-9_]+)\{[^}]*job="([^"]+)"/g)) {
                const base = name.replace(/_(bucket|sum|count)$/, "");
                const owner = job === "valtrack-sentry" ? sentry : job === "valtrack-consumer" ? consumer : undefined;
                if (!owner || !(owner.has(name) || owner.has(base))) wrong.push(`${name} on job ${job} (${where})`);
            }
        }
        expect(wrong).toEqual([]);
    });
});
