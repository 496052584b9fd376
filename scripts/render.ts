/**
 * `npm run render -- --stack <name> --out <dir>`: writes every generated monitoring file for a stack
 * (Prometheus config and rules with their promtool tests, Alertmanager, Grafana provisioning and dashboards,
 * Loki, Alloy) without deploying anything, from the stack's Pulumi.<stack>.yaml.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { CONFIG_NAMESPACE, ConfigReader, parseNodeConfig } from "../components/config";
import { renderMonitoringFiles, GeneratedFile } from "../components/monitoring/files";
import { nodeMetricsEndpoints } from "../components/stack";

/** Stands in for an encrypted (`secure:`) URL value, which cannot be decrypted without the Pulumi CLI. */
export const REDACTED_SECRET_URL = "https://redacted.invalid/secret-value-not-rendered";

export interface RenderArgs {
    stack: string;
    out: string;
    /** Directory holding Pulumi.<stack>.yaml; default the current directory. */
    dir: string;
}

export function parseArgs(argv: string[]): RenderArgs {
    const args: Partial<RenderArgs> = { dir: process.cwd() };
    for (let i = 0; i < argv.length; i++) {
        const flag = argv[i];
        const value = argv[i + 1];
        if (flag === "--stack" || flag === "--out" || flag === "--dir") {
            if (value === undefined || value.startsWith("--")) throw new Error(`${flag} needs a value`);
            args[flag.slice(2) as keyof RenderArgs] = value;
            i++;
        } else {
            throw new Error(`Unknown argument ${flag}. Usage: npm run render -- --stack <name> --out <dir> [--dir <project dir>]`);
        }
    }
    if (!args.stack || !args.out) throw new Error("Usage: npm run render -- --stack <name> --out <dir> [--dir <project dir>]");
    return args as RenderArgs;
}

/**
 * A ConfigReader over a stack file's `config:` map: `eth-node:<key>` values as strings. Encrypted values are
 * replaced by a placeholder URL (only URL keys are expected to be secret), so rendering never needs the
 * passphrase and never writes a secret to disk.
 */
export function stackFileReader(yamlText: string, fileName: string): ConfigReader {
    const doc = (parse(yamlText) ?? {}) as { config?: Record<string, unknown> };
    const config = doc.config ?? {};
    return (key: string): string | undefined => {
        const value = config[`${CONFIG_NAMESPACE}:${key}`];
        if (value === undefined || value === null) return undefined;
        if (typeof value === "object" && "secure" in (value as object)) return REDACTED_SECRET_URL;
        if (typeof value === "object") throw new Error(`${fileName}: ${CONFIG_NAMESPACE}:${key} must be a scalar value`);
        return String(value);
    };
}

export function renderStack(stack: string, stackFileText: string, fileName: string): GeneratedFile[] {
    const config = parseNodeConfig(stackFileReader(stackFileText, fileName));
    return renderMonitoringFiles({ stack, monitoring: config.monitoring, targets: nodeMetricsEndpoints() });
}

export function writeFiles(out: string, files: GeneratedFile[]): string[] {
    return files.map((f) => {
        const target = path.join(out, f.renderPath);
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.writeFileSync(target, f.content);
        return target;
    });
}

function main(): void {
    const args = parseArgs(process.argv.slice(2));
    const fileName = path.join(args.dir, `Pulumi.${args.stack}.yaml`);
    if (!fs.existsSync(fileName)) throw new Error(`No stack file ${fileName}`);
    const written = writeFiles(args.out, renderStack(args.stack, fs.readFileSync(fileName, "utf8"), fileName));
    for (const f of written) console.log(f);
}

if (require.main === module) {
    try {
        main();
    } catch (err) {
        console.error(err instanceof Error ? err.message : err);
        process.exit(1);
    }
}
