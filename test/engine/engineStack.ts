/**
 * The real Pulumi engine on this repository's program: the CLI built by build-pulumi.sh, our stand-in plugins
 * (providers/), the file backend and the passphrase secrets provider, and an inline Automation API program that
 * runs a copy's index.ts (no Node language host is needed: the program runs inside this process).
 *
 * Each program run is its own process (`runEngine`): the program's modules and the Pulumi runtime's state are
 * per process, so an `up` after a change runs the changed source, not what an earlier run left in the cache.
 * Run as a script: node -r ts-node/register/transpile-only engineStack.ts <up|preview|preview-no-changes|destroy> <workDir> <stack> <programRoot>
 * It prints one JSON line (EngineResult).
 */
import { execFile, execFileSync } from "child_process";
import * as path from "path";
import { promisify } from "util";
import { EngineEvent, LocalWorkspace, OutputMap, PulumiCommand, Stack } from "@pulumi/pulumi/automation";
import { readEnvFile } from "../lib/local";

export const ROOT = path.join(__dirname, "..", "..");
const CACHE = process.env.ETH_E2E_CACHE ?? "/var/cache/eth-node-e2e";
export const PROJECT = "eth-node";

export type EngineOp = "up" | "preview" | "preview-no-changes" | "destroy";

export interface EngineResult {
    /** `type::name` and operation of every resource step the engine reported. */
    steps: Array<{ op: string; resource: string }>;
    /** Error and warning diagnostics. */
    diagnostics: string[];
    changeSummary: Record<string, number>;
    /** Stack outputs after `up` (secret values stay masked: `[secret]`). */
    outputs?: Record<string, { value: unknown; secret: boolean }>;
}

/**
 * Where build-pulumi.sh installed the CLI (and the plugin build scripts their plugins): the PULUMI_HOME and
 * PULUMI_BIN it wrote to $ETH_E2E_CACHE/pulumi.env, read as the plugin build scripts read them.
 */
export function pulumiInstall(): { home: string; bin: string } {
    const env = readEnvFile(path.join(CACHE, "pulumi.env"), "run test/engine/build-pulumi.sh first");
    return { home: env.PULUMI_HOME, bin: env.PULUMI_BIN };
}

/**
 * The environment every engine call gets: passphrase secrets, the file backend in workDir/state, no update
 * check, no plugin download.
 */
export function engineEnv(passphrase: string, workDir: string): Record<string, string> {
    return {
        PULUMI_CONFIG_PASSPHRASE: passphrase,
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        PULUMI_HOME: pulumiInstall().home,
        PULUMI_BACKEND_URL: `file://${path.join(workDir, "state")}`,
    };
}

/** `type::name` of a URN (urn:pulumi:stack::project::[parent$]type::name). */
export function typeAndName(urn: string): string {
    const [, , qualifiedType, name] = urn.split("::");
    return `${qualifiedType.split("$").pop()}::${name}`;
}

/** The stack in `workDir` (Pulumi.<stack>.yaml there, state in workDir/state), running programRoot/index.ts. */
export async function openStack(workDir: string, stackName: string, programRoot: string, passphrase: string): Promise<Stack> {
    const env = engineEnv(passphrase, workDir);
    return LocalWorkspace.createOrSelectStack(
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        { stackName, projectName: PROJECT, program: async () => require(path.join(programRoot, "index.ts")) },
        {
            workDir,
            pulumiHome: env.PULUMI_HOME,
            pulumiCommand: await PulumiCommand.get({ root: env.PULUMI_HOME }),
            projectSettings: { name: PROJECT, runtime: "nodejs", backend: { url: env.PULUMI_BACKEND_URL } },
            envVars: env,
        },
    );
}

/** Runs one engine operation on the stack and collects what the engine reported. */
export async function runOp(stack: Stack, op: EngineOp): Promise<EngineResult> {
    const result: EngineResult = { steps: [], diagnostics: [], changeSummary: {} };
    const onEvent = (e: EngineEvent) => {
        if (e.resourcePreEvent) result.steps.push({ op: e.resourcePreEvent.metadata.op, resource: typeAndName(e.resourcePreEvent.metadata.urn) });
        if (e.diagnosticEvent && ["error", "warning"].includes(e.diagnosticEvent.severity)) result.diagnostics.push(e.diagnosticEvent.message);
    };
    if (op === "up") {
        const r = await stack.up({ onEvent });
        result.changeSummary = r.summary.resourceChanges ?? {};
        result.outputs = maskSecrets(r.outputs);
    } else if (op === "destroy") {
        const r = await stack.destroy({ onEvent });
        result.changeSummary = r.summary.resourceChanges ?? {};
    } else {
        const r = await stack.preview({ onEvent, expectNoChanges: op === "preview-no-changes" });
        result.changeSummary = r.changeSummary;
    }
    return result;
}

function maskSecrets(outputs: OutputMap): Record<string, { value: unknown; secret: boolean }> {
    return Object.fromEntries(Object.entries(outputs).map(([k, o]) => [k, { value: o.secret ? "[secret]" : o.value, secret: o.secret }]));
}

/** Runs `op` in a fresh process (see the file comment); rejects with the engine's error text when it fails. */
export async function runEngine(op: EngineOp, workDir: string, stackName: string, programRoot: string, passphrase: string): Promise<EngineResult> {
    const { stdout } = await promisify(execFile)(
        process.execPath,
        ["-r", "ts-node/register/transpile-only", __filename, op, workDir, stackName, programRoot],
        { cwd: ROOT, env: { ...process.env, ENGINE_PASSPHRASE: passphrase }, maxBuffer: 64 * 1024 * 1024 },
    ).catch((err: { stdout?: string; stderr?: string; message: string }) => {
        throw new Error(`pulumi ${op} failed: ${(err.stderr || err.stdout || err.message).slice(-8000)}`);
    });
    return JSON.parse(stdout.trim().split("\n").pop() ?? "");
}

/** The CLI itself (config, stack output, stack export), against the same backend and passphrase. */
export function cli(workDir: string, passphrase: string, args: string[]): string {
    return execFileSync(pulumiInstall().bin, [...args, "--cwd", workDir, "--non-interactive"], {
        env: { ...process.env, ...engineEnv(passphrase, workDir) },
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
    });
}

if (require.main === module) {
    const [op, workDir, stackName, programRoot] = process.argv.slice(2) as [EngineOp, string, string, string];
    openStack(workDir, stackName, programRoot, process.env.ENGINE_PASSPHRASE ?? "")
        .then((stack) => runOp(stack, op))
        .then((r) => {
            console.log(JSON.stringify(r));
            process.exit(0);
        })
        .catch((err) => {
            console.error(err instanceof Error ? err.message : String(err));
            process.exit(1);
        });
}
