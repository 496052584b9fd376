/**
 * `npm run render -- --stack <name> --out <dir>`: writes every generated monitoring file for a stack
 * (Prometheus config and rules with their promtool tests, Alertmanager, Grafana provisioning and dashboards,
 * Loki, Alloy) without deploying anything, from the stack's Pulumi.<stack>.yaml.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { CONFIG_NAMESPACE, ConfigReader, SecretConfigReader, parseNodeConfig } from "../components/config";
import { SECRET_CONFIG_KEYS, SECRET_CONFIG_PARSERS, SecretConfigKey } from "../components/monitoringConfig";
import { renderMonitoringFiles, GeneratedFile } from "../components/monitoring/files";

/** Stands in for a secret URL in rendered files: a secret is never written to disk, encrypted in the stack file or not. */
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

export interface StackFileReaders {
    read: ConfigReader;
    /** Returns REDACTED_SECRET_URL for every set secret key (after checking a plaintext value), so nothing secret is rendered. */
    readSecret: SecretConfigReader;
}

const isSecretKey = (key: string): key is SecretConfigKey => Object.hasOwn(SECRET_CONFIG_KEYS, key);

/**
 * Readers over a stack file's `config:` map (`eth-node:<key>` values as strings). Rendering needs no
 * passphrase: a secret key's value is replaced by a placeholder (a plaintext one is validated first), and an
 * encrypted value of any other key is refused, as it cannot be read without the Pulumi CLI.
 */
export function stackFileReaders(yamlText: string, fileName: string): StackFileReaders {
    const doc = (parse(yamlText) ?? {}) as { config?: Record<string, unknown> };
    const config = doc.config ?? {};
    const raw = (key: string): string | { secure: unknown } | undefined => {
        const value = config[`${CONFIG_NAMESPACE}:${key}`];
        if (value === undefined || value === null) return undefined;
        if (typeof value === "object" && "secure" in value) return value as { secure: unknown };
        if (typeof value === "object") throw new Error(`${fileName}: ${CONFIG_NAMESPACE}:${key} must be a scalar value`);
        return String(value);
    };
    return {
        read: (key) => {
            const value = raw(key);
            if (typeof value === "object") throw new Error(`${fileName}: ${CONFIG_NAMESPACE}:${key} is encrypted; npm run render cannot decrypt it`);
            return value;
        },
        readSecret: (key) => {
            if (!isSecretKey(key)) throw new Error(`${CONFIG_NAMESPACE}:${key} is not a secret key`);
            const value = raw(key);
            if (typeof value === "string" && SECRET_CONFIG_PARSERS[key](value) === undefined) return undefined;
            return value === undefined ? undefined : REDACTED_SECRET_URL;
        },
    };
}

export function renderStack(stack: string, stackFileText: string, fileName: string): GeneratedFile[] {
    const { read, readSecret } = stackFileReaders(stackFileText, fileName);
    const config = parseNodeConfig(read, readSecret);
    const webhookUrl = config.monitoring.alertWebhookUrl === undefined ? undefined : REDACTED_SECRET_URL;
    return renderMonitoringFiles({ stack, monitoring: config.monitoring, validatorTracker: config.validatorTracker.enabled }, webhookUrl);
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
