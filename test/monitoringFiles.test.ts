/**
 * The generated monitoring files, validated by the real tools: promtool (config, rules, rule unit tests,
 * every PromQL expression of every rule and dashboard) and amtool, for several stack configurations.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { parseMonitoringConfig } from "../components/monitoringConfig";
import { buildAlertRules, renderAlertRuleTests, renderAlertRules, AlertRule } from "../components/monitoring/alertRules";
import { GeneratedFile, renderMonitoringFiles } from "../components/monitoring/files";
import { ALL_FEATURES, NO_FEATURES, monitoredScrapeTargets } from "../components/monitoring/features";
import { renderPrometheusConfig } from "../components/monitoring/prometheusConfig";
import { jobMatcher, substituteGrafanaVariables } from "../components/monitoring/promql";
import { datasourceUid, scrapeTargets, serviceIds, serviceUrl, SERVICES } from "../components/services";
import { scrapedLabels, selector } from "../components/monitoring/rules/rule";
import { buildDashboards } from "../dashboards";
import { REDACTED_SECRET_URL, renderStack } from "../scripts/render";
import { allPromExpressions, describeWithTools, run, tempDir, writeRendered } from "./monitoringTools";

const DEFAULT_THRESHOLDS = parseMonitoringConfig(() => undefined).thresholds;

const FIXTURES = path.join(__dirname, "fixtures", "monitoring");
const ROOT = path.join(__dirname, "..");
/** The fixtures, plus the repository's own dev stack when it exists. */
const STACKS = ["fixture-default", "fixture-custom", ...(fs.existsSync(path.join(ROOT, "Pulumi.dev.yaml")) ? ["dev"] : [])];

function renderFixture(stack: string): GeneratedFile[] {
    const fileName = path.join(stack.startsWith("fixture-") ? FIXTURES : ROOT, `Pulumi.${stack}.yaml`);
    return renderStack(stack, fs.readFileSync(fileName, "utf8"), fileName);
}

function byPath(files: GeneratedFile[], renderPath: string): GeneratedFile {
    const f = files.find((x) => x.renderPath === renderPath);
    if (!f) throw new Error(`no rendered ${renderPath}`);
    return f;
}

describe("generated files (structure)", () => {
    const files = renderFixture("fixture-default");

    it("scrapes every registry service with a metrics endpoint, once each: all but Grafana and NATS, the tracker's only when it is on", () => {
        const prom = parse(byPath(files, "prometheus/prometheus.yml").content);
        const jobs = prom.scrape_configs.map((j: any) => `${j.job_name} ${j.static_configs[0].targets[0]}${j.metrics_path}`);
        expect(jobs).toEqual(monitoredScrapeTargets(NO_FEATURES).map((t) => `${t.job} ${t.address}${t.path}`));
        // Off by default: the tracker's services are not deployed, so not scraped (TargetDown would fire for them).
        const notScraped = ["grafana", "nats", "valtrackSentry", "valtrackConsumer"];
        expect(monitoredScrapeTargets(NO_FEATURES).map((t) => t.service)).toEqual(serviceIds().filter((id) => !notScraped.includes(id)));
        // NATS serves no Prometheus text (its exporter is not available): it has no scrape job either way.
        expect(monitoredScrapeTargets(ALL_FEATURES).map((t) => t.service)).toEqual(serviceIds().filter((id) => !["grafana", "nats"].includes(id)));
        expect(scrapeTargets().filter((t) => t.feature !== undefined).map((t) => t.service)).toEqual(["valtrackSentry", "valtrackConsumer"]);
        expect(prom.global.external_labels).toEqual({ stack: "fixture-default" });
        expect(prom.alerting.alertmanagers[0].static_configs[0].targets).toEqual([`${SERVICES.alertmanager.alias}:${SERVICES.alertmanager.ports.http}`]);
    });

    it("with the validator tracker on: scrapes its sentry and consumer and renders its rules and the Network dashboard; off: none of them", () => {
        const monitoring = parseMonitoringConfig(() => undefined);
        const on = renderMonitoringFiles({ stack: "t", monitoring, validatorTracker: true }, undefined);
        const off = renderMonitoringFiles({ stack: "t", monitoring, validatorTracker: false }, undefined);
        expect(renderMonitoringFiles({ stack: "t", monitoring }, undefined)).toEqual(off);
        const jobsOf = (fs: GeneratedFile[]) => parse(byPath(fs, "prometheus/prometheus.yml").content).scrape_configs.map((j: any) => `${j.job_name} ${j.static_configs[0].targets[0]}${j.metrics_path}`);
        const tracker = [
            `valtrack-sentry valtrack-sentry:${SERVICES.valtrackSentry.ports.metrics}/metrics`,
            `valtrack-consumer valtrack-consumer:${SERVICES.valtrackConsumer.ports.metrics}/metrics`,
        ];
        expect(jobsOf(on)).toEqual(expect.arrayContaining(tracker));
        expect(jobsOf(off)).toEqual(jobsOf(on).filter((j: string) => !tracker.includes(j)));
        const groups = (fs: GeneratedFile[]) => parse(byPath(fs, "prometheus/rules/eth-node.rules.yml").content).groups.map((g: any) => g.name);
        expect(groups(on)).toContain("eth-node-validator-tracker");
        expect(groups(off)).not.toContain("eth-node-validator-tracker");
        expect(byPath(off, "prometheus/rules/eth-node.rules.yml").content).not.toContain("valtrack");
        expect(on.map((f) => f.renderPath)).toContain("grafana/dashboards/network.json");
        expect(off.map((f) => f.renderPath)).not.toContain("grafana/dashboards/network.json");
        expect(off.map((f) => f.content).join("\n")).not.toContain("valtrack_");
    });

    it("refuses two scrape targets with one job name", () => {
        const [first] = scrapeTargets();
        const dup = { ...first, alias: "x", port: 1, address: "x:1" };
        expect(() => renderPrometheusConfig({ stack: "s", scrapeInterval: "15s", targets: [...scrapeTargets(), dup] })).toThrow(`Duplicate scrape job "${first.job}"`);
    });

    it("routes to a null receiver without a webhook and to the webhook when one is set, never rendering the URL", () => {
        const none = parse(byPath(files, "alertmanager/alertmanager.yml").content);
        expect(none.route.receiver).toBe("null");
        expect(none.receivers).toEqual([{ name: "null" }]);
        expect(byPath(files, "alertmanager/alertmanager.yml").sensitive).toBe(false);

        // fixture-custom sets the URL in plaintext; the rendered file still holds only the placeholder.
        const custom = renderFixture("fixture-custom");
        const am = byPath(custom, "alertmanager/alertmanager.yml");
        expect(parse(am.content).route.receiver).toBe("webhook");
        expect(parse(am.content).receivers[1].webhook_configs[0].url).toBe(REDACTED_SECRET_URL);
        expect(custom.map((f) => f.content).join("\n")).not.toContain("hooks.example.com");
        expect(am.sensitive).toBe(true);
    });

    it("renders thresholds and retention from the stack config", () => {
        const custom = renderFixture("fixture-custom");
        const rules = byPath(custom, "prometheus/rules/eth-node.rules.yml").content;
        expect(rules).toContain(`p2p_peers{${jobMatcher("execution")}} < 25`);
        expect(rules).toContain(`p2p_peer_count{${jobMatcher("beacon")},state="Connected"} < 40`);
        expect(rules).toContain("> 3");
        expect(rules).toContain("[2m]) == 0");
        expect(rules).toContain("* 100 < 20)");
        expect(rules).toContain("* 100 < 5)");
        expect(rules).toContain("> 0.25");
        expect(rules).toContain("> 60");
        expect(parse(byPath(custom, "loki/loki.yaml").content).limits_config.retention_period).toBe("2w");
        expect(parse(byPath(custom, "prometheus/prometheus.yml").content).global.scrape_interval).toBe("30s");
    });

    it("gives Grafana's Prometheus datasource the stack's scrape interval as its timeInterval", () => {
        for (const [stack, interval] of [["fixture-default", "15s"], ["fixture-custom", "30s"]]) {
            const rendered = renderFixture(stack);
            const prom = parse(byPath(rendered, "prometheus/prometheus.yml").content);
            const ds = parse(byPath(rendered, "grafana/provisioning/datasources/eth-node.yaml").content);
            expect(prom.global.scrape_interval).toBe(interval);
            expect(ds.datasources.find((d: any) => d.type === "prometheus").jsonData.timeInterval).toBe(interval);
        }
    });

    it("colours the Peers dashboard's staleness panels red at the PeerMonitorStale threshold", () => {
        for (const stack of ["fixture-default", "fixture-custom"]) {
            const rendered = renderFixture(stack);
            const rule = parse(byPath(rendered, "prometheus/rules/eth-node.rules.yml").content)
                .groups.flatMap((g: any) => g.rules)
                .find((r: any) => r.alert === "PeerMonitorStale");
            const threshold = Number(/> (\d+)$/.exec(rule.expr)![1]);
            const peers = JSON.parse(byPath(rendered, "grafana/dashboards/peers.json").content);
            const staleness = peers.panels.filter((p: any) => /^Seconds since last/.test(p.title));
            expect(staleness).toHaveLength(2);
            for (const panel of staleness) {
                const red = panel.fieldConfig.defaults.thresholds.steps.find((step: any) => step.color === "red");
                expect({ stack, panel: panel.title, red: red.value }).toEqual({ stack, panel: panel.title, red: threshold });
                // The same "seconds since the last success" the rule compares.
                expect(rule.expr).toContain(panel.targets[0].expr.replace(/\{.*\}/, ""));
            }
        }
    });

    it("provisions Prometheus, Loki and Alertmanager datasources with the fixed uids the dashboards use", () => {
        const ds = parse(byPath(files, "grafana/provisioning/datasources/eth-node.yaml").content);
        expect(ds.datasources.map((d: any) => [d.type, d.uid, d.url])).toEqual(
            (["prometheus", "loki", "alertmanager"] as const).map((id) => [id, datasourceUid(id), serviceUrl(id, "http")]),
        );
        const uids = new Set(ds.datasources.map((d: any) => d.uid));
        for (const f of files.filter((x) => x.renderPath.startsWith("grafana/dashboards/"))) {
            const model = JSON.parse(f.content);
            for (const panel of model.panels) {
                if (panel.type === "row") continue;
                expect(uids).toContain(panel.datasource.uid);
                for (const t of panel.targets ?? []) expect(uids).toContain(t.datasource.uid);
            }
        }
        const provider = parse(byPath(files, "grafana/provisioning/dashboards/eth-node.yaml").content);
        // The provider loads the directory the dashboards are uploaded to.
        const dashboardDirs = new Set(files.filter((x) => x.renderPath.startsWith("grafana/dashboards/")).map((x) => path.posix.dirname(x.containerPath)));
        expect([...dashboardDirs]).toEqual([provider.providers[0].options.path]);
    });

    it("writes the five dashboards as bare JSON with fixed uids", () => {
        const dashboards = files.filter((f) => f.renderPath.startsWith("grafana/dashboards/"));
        expect(dashboards.map((f) => f.renderPath)).toEqual([
            "grafana/dashboards/execution.json",
            "grafana/dashboards/consensus.json",
            "grafana/dashboards/peers.json",
            "grafana/dashboards/host.json",
            "grafana/dashboards/logs.json",
        ]);
        for (const f of dashboards) {
            const model = JSON.parse(f.content);
            expect(model.uid).toMatch(/^eth-node-/);
            expect(model.dashboard).toBeUndefined(); // not wrapped in an API envelope
            expect(model.panels.length).toBeGreaterThan(3);
            expect(path.posix.basename(f.containerPath)).toBe(path.basename(f.renderPath));
        }
        const host = byPath(files, "grafana/dashboards/host.json").content;
        expect(host).toContain("predict_linear(node_filesystem_avail_bytes");
        const logs = JSON.parse(byPath(files, "grafana/dashboards/logs.json").content);
        expect(logs.panels.some((p: any) => p.type === "logs" && p.repeat === "role")).toBe(true);
    });

    it("configures the collector to tail Docker's json-file logs and push to Loki", () => {
        const alloy = byPath(files, "alloy/config.alloy").content;
        expect(alloy).toContain('"/var/lib/docker/containers/*/*-json.log"');
        expect(alloy).toContain(`url = "${serviceUrl("loki", "http")}/loki/api/v1/push"`);
        expect(alloy).not.toMatch(/docker\.sock|discovery\.docker/);
        const loki = parse(byPath(files, "loki/loki.yaml").content);
        expect(loki.server).toMatchObject({ http_listen_port: SERVICES.loki.ports.http, grpc_listen_port: SERVICES.loki.ports.grpc });
        expect(loki.compactor.retention_enabled).toBe(true);
        expect(loki.analytics.reporting_enabled).toBe(false);
    });

    it("gives every rule a firing and a quiet promtool case, and keeps the test file out of the containers", () => {
        const rules = buildAlertRules(DEFAULT_THRESHOLDS, ALL_FEATURES);
        expect(rules.length).toBeGreaterThanOrEqual(19);
        for (const rule of rules) {
            expect(rule.fires.series.length).toBeGreaterThan(0);
            expect(rule.fires.alerts.length).toBeGreaterThan(0);
            expect(rule.quiet.series.length).toBeGreaterThan(0);
        }
        expect(byPath(files, "prometheus/rules/eth-node.rules.test.yml").deploy).toBe(false);
        expect(files.filter((f) => !f.deploy).map((f) => f.renderPath)).toEqual(["prometheus/rules/eth-node.rules.test.yml"]);
    });

    it("covers the alerts the node needs", () => {
        const names = buildAlertRules(DEFAULT_THRESHOLDS, ALL_FEATURES).map((r) => r.alert);
        expect(names).toEqual(
            expect.arrayContaining([
                "TargetDown",
                "ExecutionPeersLow",
                "ConsensusPeersLow",
                "ConsensusHeadLagging",
                "ExecutionHeadStalled",
                "ConsensusOptimistic",
                "ExecutionOfflineForConsensus",
                "DiskSpaceLow",
                "DiskSpaceCritical",
                "MemoryPressure",
                "ClockDrift",
                "PeerMonitorStale",
                "ValtrackNoHandshake",
                "ValtrackConsumerLagGrowing",
                "NatsUnreachable",
                "ValtrackSentryCannotPublish",
                "ValtrackEventsDropped",
                "ValtrackConsumerWriteBlocked",
            ]),
        );
    });

    it("is deterministic", () => {
        expect(renderFixture("fixture-default")).toEqual(files);
    });
});

/** Each stack's files, plus the default stack with the validator tracker on (its rules and their promtool cases). */
const RENDERED: [string, () => GeneratedFile[]][] = [
    ...STACKS.map((stack): [string, () => GeneratedFile[]] => [stack, () => renderFixture(stack)]),
    ["default with validatorTracker", () => renderMonitoringFiles({ stack: "tracker", monitoring: parseMonitoringConfig(() => undefined), validatorTracker: true }, undefined)],
];

describeWithTools(["promtool", "amtool"], "generated files (promtool and amtool)", () => {
    for (const [stack, render] of RENDERED) {
        describe(stack, () => {
            const dir = tempDir(stack.replace(/\W+/g, "-"));
            beforeAll(() => writeRendered(dir, render()));

            it("prometheus.yml passes promtool check config (its rule_files resolve)", () => {
                const r = run("promtool", ["check", "config", "prometheus/prometheus.yml"], dir);
                expect(r.output).toContain("SUCCESS: 1 rule files found");
                expect(r.status).toBe(0);
            });

            it("the rules pass promtool check rules", () => {
                const r = run("promtool", ["check", "rules", "prometheus/rules/eth-node.rules.yml"], dir);
                expect(r.status).toBe(0);
            });

            it("every rule fires and stays quiet where its promtool cases say", () => {
                const r = run("promtool", ["test", "rules", "prometheus/rules/eth-node.rules.test.yml"], dir);
                if (r.status !== 0) throw new Error(r.output);
                expect(r.output).toContain("SUCCESS");
            });

            it("alertmanager.yml passes amtool check-config", () => {
                const r = run("amtool", ["check-config", "alertmanager/alertmanager.yml"], dir);
                if (r.status !== 0) throw new Error(r.output);
            });
        });
    }

    it("the promtool cases discriminate: with firing and quiet inputs swapped, every case fails", () => {
        const rules = buildAlertRules(DEFAULT_THRESHOLDS, ALL_FEATURES);
        const swapped: AlertRule[] = rules.map((r) => ({
            ...r,
            fires: { series: r.quiet.series, alerts: r.fires.alerts },
            quiet: { series: r.fires.series },
        }));
        const dir = tempDir("swapped");
        fs.writeFileSync(path.join(dir, "rules.yml"), renderAlertRules(swapped));
        fs.writeFileSync(path.join(dir, "rules.test.yml"), renderAlertRuleTests(swapped, "rules.yml"));
        const r = run("promtool", ["test", "rules", "rules.test.yml"], dir);
        expect(r.status).not.toBe(0);
        for (const rule of rules) {
            expect(r.output).toContain(`${rule.alert} fires`);
            expect(r.output).toContain(`${rule.alert} stays quiet`);
        }
    });

    it("the blocks-per-minute panel reads the gauge chain_head_block with deriv(): following, stalled, and no spike on a reorg", () => {
        const execution = buildDashboards(DEFAULT_THRESHOLDS, NO_FEATURES).find((d) => d.fileName === "execution.json")!;
        const panel = (execution.model.panels as any[]).find((p) => p.title === "Blocks imported per minute");
        const expr = substituteGrafanaVariables(panel.targets[0].expr);
        const geth = scrapedLabels("execution");
        const series = (values: string) => [{ series: selector("chain_head_block", geth), values }];
        const labels = `{instance="${geth.instance}", job="${geth.job}"}`;
        const dir = tempDir("blocks-per-minute");
        fs.writeFileSync(path.join(dir, "panel.yml"), JSON.stringify({ groups: [{ name: "panel", rules: [{ record: "panel:blocks_per_minute", expr }] }] }));
        const at = (evalTime: string, promql: string, value: number) => ({ expr: promql, eval_time: evalTime, exp_samples: [{ labels, value }] });
        const tests = [
            // One block per 15 s sample: 4 per minute.
            { interval: "15s", input_series: series("21000000+1x100"), promql_expr_test: [at("20m", "round(panel:blocks_per_minute)", 4)] },
            // Stalled head: 0 per minute (rate() would say 0 too; this is the quiet case).
            { interval: "15s", input_series: series("21000000x100"), promql_expr_test: [at("20m", "round(panel:blocks_per_minute)", 0)] },
            // A one-block reorg at 10 min: deriv() stays near 4/min; rate() would read a counter reset and jump past 10.
            { interval: "15s", input_series: series("21000000+1x40 21000039+1x60"), promql_expr_test: [at("11m", "panel:blocks_per_minute < bool 10", 1)] },
        ];
        fs.writeFileSync(path.join(dir, "panel.test.yml"), JSON.stringify({ rule_files: ["panel.yml"], evaluation_interval: "15s", tests }));
        const r = run("promtool", ["test", "rules", "panel.test.yml"], dir);
        if (r.status !== 0) throw new Error(r.output);
        // The same cases against rate(): the reorg case must fail, or the cases cannot tell the two apart.
        fs.writeFileSync(path.join(dir, "panel.yml"), JSON.stringify({ groups: [{ name: "panel", rules: [{ record: "panel:blocks_per_minute", expr: expr.replace(/^deriv\(/, "rate(") }] }] }));
        expect(expr).toMatch(/^deriv\(/);
        expect(run("promtool", ["test", "rules", "panel.test.yml"], dir).status).not.toBe(0);
    });

    it("every PromQL expression in every rule and dashboard parses", () => {
        const exprs = allPromExpressions(DEFAULT_THRESHOLDS, ALL_FEATURES);
        expect(exprs.length).toBeGreaterThan(70);
        expect(exprs.filter((e) => e.where.startsWith("network.json")).length).toBeGreaterThan(15);
        const doc = {
            groups: [
                {
                    name: "expression-check",
                    rules: exprs.map((e, i) => ({ record: `check:expr_${i}`, expr: substituteGrafanaVariables(e.expr) })),
                },
            ],
        };
        const dir = tempDir("promql");
        fs.writeFileSync(path.join(dir, "exprs.yml"), JSON.stringify(doc));
        const r = run("promtool", ["check", "rules", "exprs.yml"], dir);
        if (r.status !== 0) {
            const index = exprs.map((e, i) => `expr_${i}: ${e.where}: ${e.expr}`).join("\n");
            throw new Error(`${r.output}\n${index}`);
        }
    });

    it("promtool rejects a broken expression (the check is real)", () => {
        const dir = tempDir("broken");
        fs.writeFileSync(path.join(dir, "exprs.yml"), JSON.stringify({ groups: [{ name: "x", rules: [{ record: "x:y", expr: "sum(rate(up[5m])" }] }] }));
        expect(run("promtool", ["check", "rules", "exprs.yml"], dir).status).not.toBe(0);
    });
});
