/**
 * Access to the real validators (Debian packages `prometheus` → promtool, `prometheus-alertmanager` →
 * amtool) for the monitoring tests. A missing tool fails the suite under CI=true and skips it loudly otherwise.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { GeneratedFile } from "../components/monitoring/files";
import { parseMonitoringConfig } from "../components/monitoringConfig";
import { buildAlertRules } from "../components/monitoring/alertRules";
import { buildDashboards } from "../dashboards";

export function hasTool(name: string): boolean {
    return spawnSync(name, ["--version"], { encoding: "utf8" }).status === 0;
}

/** `describe` when every tool is installed; under CI a missing tool is an error, elsewhere a loud skip. */
export function describeWithTools(tools: string[], title: string, body: () => void): void {
    const missing = tools.filter((t) => !hasTool(t));
    if (missing.length === 0) {
        describe(title, body);
        return;
    }
    const reason = `${missing.join(", ")} not installed (apt-get install prometheus prometheus-alertmanager)`;
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

/** Every Prometheus expression in the rules and dashboards, with where it comes from. */
export function allPromExpressions(thresholds = parseMonitoringConfig(() => undefined).thresholds): { where: string; expr: string }[] {
    const out = buildAlertRules(thresholds).map((r) => ({ where: `rule ${r.alert}`, expr: r.expr }));
    for (const d of buildDashboards(thresholds)) {
        for (const panel of (d.model.panels ?? []) as any[]) {
            for (const target of panel.targets ?? []) {
                const type = target.datasource?.type ?? panel.datasource?.type;
                if (type === "prometheus") out.push({ where: `${d.fileName} "${panel.title}"`, expr: target.expr });
            }
        }
    }
    return out;
}

