/**
 * Access to the real validators (promtool and amtool at the versions the stack deploys, built by
 * test/e2e/images/build-images.sh) for the monitoring tests. A missing tool, or one of another version, fails
 * the suite under CI=true and skips it loudly otherwise.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { GeneratedFile } from "../components/monitoring/files";
import { DEFAULT_VALIDATOR_TRACKER_IMAGES } from "../components/config";
import { parseMonitoringConfig } from "../components/monitoringConfig";
import { buildAlertRules } from "../components/monitoring/alertRules";
import { buildDashboards } from "../dashboards";
import { MonitoredFeatures, NO_FEATURES } from "../components/monitoring/features";

/**
 * The version a validator must have: that of the image the stack deploys it with (promtool ships with Prometheus;
 * nats-server is the NATS image's server, whose tag carries a variant: `2.15.2-alpine`).
 */
export function pinnedToolVersion(tool: string): string | undefined {
    const images = parseMonitoringConfig(() => undefined).images;
    const image =
        tool === "promtool" ? images.prometheus : tool === "amtool" ? images.alertmanager : tool === "nats-server" ? DEFAULT_VALIDATOR_TRACKER_IMAGES.nats : undefined;
    return image?.slice(image.lastIndexOf(":") + 1).replace(/^v/, "").replace(/-.*$/, "");
}

/** Why a tool cannot be used: not on PATH, or another version than the stack pins (e.g. Debian's promtool 2.42). */
export function toolProblem(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
    const run = spawnSync(name, ["--version"], { encoding: "utf8", env });
    if (run.status !== 0) return `${name} not on PATH`;
    // `promtool, version 3.13.2 (…)`; `nats-server: v2.15.2`.
    const output = `${run.stdout}${run.stderr}`;
    const version = /version (\S+)/.exec(output)?.[1] ?? /^nats-server: v(\S+)/m.exec(output)?.[1];
    const pinned = pinnedToolVersion(name);
    return pinned !== undefined && version !== pinned ? `${name} is ${version ?? "of unknown version"}, not the pinned ${pinned}` : undefined;
}

/** `describe` when every tool is installed at its pinned version; under CI anything else is an error, elsewhere a loud skip. */
export function describeWithTools(tools: string[], title: string, body: () => void): void {
    const problems = tools.map((t) => toolProblem(t)).filter((p): p is string => p !== undefined);
    if (problems.length === 0) {
        describe(title, body);
        return;
    }
    const reason = `${problems.join("; ")} (sudo test/e2e/images/build-images.sh --tools-only builds the pinned ones into /var/cache/eth-node-e2e/bin)`;
    if (process.env.CI === "true") {
        describe(title, () => {
            it("has its validators installed", () => {
                throw new Error(`CI=true but ${reason}`);
            });
        });
        return;
    }
    // eslint-disable-next-line no-console
    console.warn(`\n*** SKIPPING "${title}": ${reason} ***\n`);
    describe.skip(`${title} [SKIPPED: ${reason}]`, body);
}

export interface ToolResult {
    status: number | null;
    output: string;
}

export function run(tool: string, args: string[], cwd?: string): ToolResult {
    const r = spawnSync(tool, args, { encoding: "utf8", cwd });
    return { status: r.status, output: `${r.stdout ?? ""}${r.stderr ?? ""}` };
}

export function tempDir(prefix: string): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), `eth-node-${prefix}-`));
}

/** Writes the files below `dir` the way `npm run render` does. */
export function writeRendered(dir: string, files: GeneratedFile[]): void {
    for (const f of files) {
        const target = path.join(dir, f.renderPath);
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.writeFileSync(target, f.content);
    }
}

/**
 * Every Prometheus expression in the rules and dashboards of a stack with these features (default: none, as
 * the default stack and the e2e run deploy), with where it comes from. Pass ALL_FEATURES for every rule and panel.
 */
export function allPromExpressions(
    thresholds = parseMonitoringConfig(() => undefined).thresholds,
    features: MonitoredFeatures = NO_FEATURES,
): { where: string; expr: string }[] {
    const out = buildAlertRules(thresholds, features).map((r) => ({ where: `rule ${r.alert}`, expr: r.expr }));
    for (const d of buildDashboards(thresholds, features)) {
        for (const panel of (d.model.panels ?? []) as any[]) {
            for (const target of panel.targets ?? []) {
                const type = target.datasource?.type ?? panel.datasource?.type;
                if (type === "prometheus") out.push({ where: `${d.fileName} "${panel.title}"`, expr: target.expr });
            }
        }
    }
    return out;
}

