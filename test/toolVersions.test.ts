/**
 * The rendered config must be checked with the promtool and amtool the stack deploys (Prometheus' and
 * Alertmanager's pinned images), not whatever version is installed: a fake tool on PATH reports a version.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { pinnedToolVersion, toolProblem } from "./monitoringTools";

/** Runs `body` with an environment whose PATH starts with a directory holding a fake `name --version`. */
function withFakeTool(name: string, versionLine: string, body: (env: NodeJS.ProcessEnv) => void): void {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fake-tool-"));
    fs.writeFileSync(path.join(dir, name), `#!/bin/sh\necho '${versionLine}'\n`, { mode: 0o755 });
    try {
        body({ ...process.env, PATH: `${dir}:${process.env.PATH}` });
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

test("the pinned versions are the tags of the images that ship the tools", () => {
    expect(pinnedToolVersion("promtool")).toMatch(/^3\.\d+\.\d+$/);
    expect(pinnedToolVersion("amtool")).toMatch(/^0\.\d+\.\d+$/);
});

test("a promtool of another version (Debian's 2.42) is refused, naming both versions", () => {
    withFakeTool("promtool", "promtool, version 2.42.0+ds (branch: debian/sid)", (env) => {
        expect(toolProblem("promtool", env)).toBe(`promtool is 2.42.0+ds, not the pinned ${pinnedToolVersion("promtool")}`);
    });
});

test("nats-server's pinned version is the NATS image's tag without its variant, and its own --version line is read", () => {
    expect(pinnedToolVersion("nats-server")).toMatch(/^2\.\d+\.\d+$/);
    withFakeTool("nats-server", `nats-server: v${pinnedToolVersion("nats-server")}`, (env) => {
        expect(toolProblem("nats-server", env)).toBeUndefined();
    });
    withFakeTool("nats-server", "nats-server: v2.10.0", (env) => {
        expect(toolProblem("nats-server", env)).toBe(`nats-server is 2.10.0, not the pinned ${pinnedToolVersion("nats-server")}`);
    });
});

test("the pinned version is accepted; a missing tool is named", () => {
    withFakeTool("amtool", `amtool, version ${pinnedToolVersion("amtool")} (branch: HEAD, revision: x)`, (env) => {
        expect(toolProblem("amtool", env)).toBeUndefined();
    });
    expect(toolProblem("eth-node-no-such-tool")).toBe("eth-node-no-such-tool not on PATH");
});
