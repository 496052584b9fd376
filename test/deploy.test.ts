/**
 * scripts/deploy.sh (the README's first command) up to `pulumi up`: its checks, run for real with bash, against
 * stand-in `pulumi`, `docker` and `npm` commands on PATH that record their arguments (the real CLIs and a Docker
 * Engine 25 are not available to this suite; the real Node runs its version check).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const DEPLOY = path.join(__dirname, "..", "scripts", "deploy.sh");

interface Run {
    status: number | null;
    stderr: string;
    calls: string[];
}

/** Runs deploy.sh with stand-ins: `docker version` answers `api`; `pulumi config get eth-node:dockerHost` answers `dockerHost`. */
function deploy(api: string | undefined, dockerHost?: string): Run {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "eth-deploy-"));
    const bin = path.join(dir, "bin");
    fs.mkdirSync(bin);
    const log = path.join(dir, "calls.log");
    const stub = (name: string, body: string) =>
        fs.writeFileSync(path.join(bin, name), `#!/bin/sh\necho "${name} $*" >> "${log}"\n${body}\n`, { mode: 0o755 });
    stub("npm", "exit 0");
    stub("pulumi", `if [ "$1 $2" = "config get" ]; then ${dockerHost ? `echo "${dockerHost}"` : "exit 1"}; fi; exit 0`);
    stub("docker", api === undefined ? "exit 1" : `echo "${api}"`);
    const node = path.dirname(process.execPath);
    const r = spawnSync("bash", [DEPLOY, "dev", "--yes"], {
        env: { PATH: `${bin}:${node}:/usr/bin:/bin`, HOME: dir, PULUMI_CONFIG_PASSPHRASE: "test-passphrase", PULUMI_BACKEND_URL: `file://${dir}/state` },
        encoding: "utf8",
    });
    const calls = fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n") : [];
    fs.rmSync(dir, { recursive: true, force: true });
    return { status: r.status, stderr: r.stderr, calls };
}

test("an engine older than Docker 25 (API 1.41, Debian 12's docker.io) is refused before `pulumi up`, naming what is needed", () => {
    const r = deploy("1.41");
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("speaks API 1.41: eth-node needs Docker Engine 25 or newer (API 1.44)");
    expect(r.calls.some((c) => c.startsWith("pulumi up"))).toBe(false);
});

test("API 1.44 and newer (compared as versions: 1.100 > 1.44) go on to `pulumi up` with the extra flags", () => {
    for (const api of ["1.44", "1.51", "1.100"]) {
        const r = deploy(api);
        expect({ api, status: r.status, up: r.calls.filter((c) => c.startsWith("pulumi up")) }).toEqual({ api, status: 0, up: ["pulumi up --stack dev --yes"] });
    }
});

test("the stack's eth-node:dockerHost is the engine asked; an unreachable engine is one clear error", () => {
    const r = deploy("1.47", "ssh://node@example.invalid");
    expect(r.calls).toContain("docker -H ssh://node@example.invalid version --format {{.Server.APIVersion}}");
    const down = deploy(undefined, "ssh://node@example.invalid");
    expect(down.status).toBe(1);
    expect(down.stderr.trim()).toBe("deploy: cannot reach the Docker engine at ssh://node@example.invalid ('docker version' failed)");
});
