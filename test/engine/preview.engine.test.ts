/**
 * The real Pulumi engine previews the dev stack (Pulumi.dev.yaml): the CLI built by build-pulumi.sh and the
 * plugins from providers/ (the published CLI; our stand-ins for the docker, random and command plugins, whose
 * `check` validates every input against the SDK's schema). An inline Automation API program runs index.ts, so no
 * Node language host is needed (engineStack.ts). The preview talks only to the local Docker socket and to the
 * plugins on loopback; it creates nothing. scripts/test.sh runs it after the three build scripts.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ROOT, runEngine } from "./engineStack";

test("preview of the dev stack: no error, and the engine plans creating exactly the resources the program declares", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "eth-engine-preview-"));
    fs.copyFileSync(path.join(ROOT, "Pulumi.dev.yaml"), path.join(dir, "Pulumi.dev.yaml"));
    fs.mkdirSync(path.join(dir, "state"));
    const result = await runEngine("preview", dir, "dev", ROOT, "engine-preview-test").finally(() => fs.rmSync(dir, { recursive: true, force: true }));
    const { steps: planned, diagnostics } = result;
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
