/**
 * The real Pulumi engine previews the dev stack (Pulumi.dev.yaml): the CLI built by build-pulumi.sh and the
 * plugins from providers/ (the published CLI; our stand-ins for the docker, random and command plugins, whose
 * `check` validates every input against the SDK's schema). An inline Automation API program runs index.ts, so no
 * Node language host is needed. The preview talks only to the local Docker socket and to the plugins on loopback;
 * it creates nothing. Not part of .ci/run yet: `npm run test:engine` after the three build scripts.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { EngineEvent, LocalWorkspace, PulumiCommand } from "@pulumi/pulumi/automation";

const ROOT = path.join(__dirname, "..", "..");
const PULUMI_HOME = path.join(process.env.ETH_E2E_CACHE ?? "/var/cache/eth-node-e2e", "pulumi-home");

/** `type::name` of a URN (urn:pulumi:stack::project::[parent$]type::name). */
function typeAndName(urn: string): string {
    const [, , qualifiedType, name] = urn.split("::");
    return `${qualifiedType.split("$").pop()}::${name}`;
}

test("preview of the dev stack: no error, and the engine plans creating exactly the resources the program declares", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "eth-engine-preview-"));
    fs.copyFileSync(path.join(ROOT, "Pulumi.dev.yaml"), path.join(dir, "Pulumi.dev.yaml"));
    fs.mkdirSync(path.join(dir, "state"));
    const stack = await LocalWorkspace.createOrSelectStack(
        { stackName: "dev", projectName: "eth-node", program: async () => require(path.join(ROOT, "index.ts")) },
        {
            workDir: dir,
            pulumiHome: PULUMI_HOME,
            pulumiCommand: await PulumiCommand.get({ root: PULUMI_HOME }),
            projectSettings: { name: "eth-node", runtime: "nodejs", backend: { url: `file://${dir}/state` } },
            envVars: { PULUMI_CONFIG_PASSPHRASE: "engine-preview-test", PULUMI_SKIP_UPDATE_CHECK: "true" },
        },
    );
    const planned: Array<{ op: string; resource: string }> = [];
    const diagnostics: string[] = [];
    const result = await stack.preview({
        onEvent: (e: EngineEvent) => {
            if (e.resourcePreEvent) {
                const m = e.resourcePreEvent.metadata;
                planned.push({ op: m.op, resource: typeAndName(m.urn) });
            }
            if (e.diagnosticEvent && ["error", "warning"].includes(e.diagnosticEvent.severity)) diagnostics.push(e.diagnosticEvent.message);
        },
    });
    fs.rmSync(dir, { recursive: true, force: true });
    expect(diagnostics).toEqual([]);
    expect([...new Set(planned.map((p) => p.op))]).toEqual(["create"]);
    const declared: string[] = JSON.parse(
        execFileSync(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(__dirname, "declaredResources.ts"), "dev"], { cwd: ROOT, encoding: "utf8" }),
    );
    // Besides the program's resources the engine plans the stack itself and a default provider per package the
    // program gives no explicit provider (random, command); the mocks see neither.
    const defaultProvider = (r: string) => /^pulumi:providers:(random|command)::default_/.test(r);
    const engineOwn = (r: string) => r.startsWith("pulumi:pulumi:Stack::") || defaultProvider(r);
    expect(planned.map((p) => p.resource).filter((r) => !engineOwn(r)).sort()).toEqual(declared);
    // The summary counts every planned creation but the default providers'.
    expect(result.changeSummary).toEqual({ create: planned.filter((p) => !defaultProvider(p.resource)).length });
}, 180_000);
