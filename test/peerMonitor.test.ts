/**
 * The peer monitor's image and the container that runs it, under Pulumi mocks. The Image mock reports a
 * repoDigest derived from the build inputs (test/mocks.ts, mockRepoDigest), standing in for the provider,
 * which reports the built image's id: what matters is that the container runs *that* reference, so a
 * rebuild with a new result replaces the container.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { requireRepoDigest } from "../components/docker";
import { PEER_MONITOR_SOURCE_DIR, PeerMonitor, PeerMonitorArgs, peerMonitorBuildArgs } from "../components/peerMonitor";
import { SERVICES } from "../components/services";
import { declareStack } from "./harness";
import { IMAGE, setupMocks, valueOf } from "./mocks";

const ARGS: PeerMonitorArgs = {
    stack: "pm",
    networkName: "eth-node-pm",
    executionUrl: "ws://execution:8546",
    beaconUrl: "http://beacon:3500",
    intervalSeconds: 15,
    baseImage: "node:24-bookworm-slim",
    imageName: "eth-node/peer-monitor:0.1.0",
    bindAddress: "127.0.0.1",
    hostPort: 19200,
};

test("the image is built from ./peer-monitor on the configured base, tagged with its package version, never pushed", async () => {
    const s = await declareStack("dev", { peerMonitorBaseImage: "eth-node-local/node:24" });
    const image = s.one(IMAGE).inputs;
    const pkg = JSON.parse(fs.readFileSync(path.join(PEER_MONITOR_SOURCE_DIR, "package.json"), "utf8"));
    expect(image.imageName).toBe(`eth-node/peer-monitor:${pkg.version}`);
    expect(image.skipPush).toBe(true);
    expect(image.build.context).toBe(PEER_MONITOR_SOURCE_DIR);
    expect(image.build.dockerfile).toBe(path.join(PEER_MONITOR_SOURCE_DIR, "Dockerfile"));
    expect(fs.existsSync(image.build.dockerfile)).toBe(true);
    expect(image.build.args.BASE_IMAGE).toBe("eth-node-local/node:24");
    expect(s.container("peer-monitor").inputs.readOnly).toBe(true);
});

test("the container runs the image's repoDigest, not its tag", async () => {
    const s = await declareStack("dev", {});
    const image = s.one(IMAGE);
    expect(image.state.repoDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(s.container("peer-monitor").inputs.image).toBe(image.state.repoDigest);
    expect(s.container("peer-monitor").inputs.image).not.toBe(image.inputs.imageName);
});

test("a different build (another context) gives the container another image reference, so it is replaced", async () => {
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), "peer-monitor-src-"));
    fs.copyFileSync(path.join(PEER_MONITOR_SOURCE_DIR, "Dockerfile"), path.join(copy, "Dockerfile"));
    const recorded = setupMocks("pm");
    const original = new PeerMonitor("original", ARGS);
    const changed = new PeerMonitor("changed", { ...ARGS, stack: "pm2", sourceDir: copy });
    const [originalImage, changedImage] = await Promise.all([valueOf(original.container.image), valueOf(changed.container.image)]);
    const digestOf = (name: string) => recorded.find((r) => r.type === IMAGE && r.name === name)!.state.repoDigest;
    expect(originalImage).toBe(digestOf("original-image"));
    expect(changedImage).toBe(digestOf("changed-image"));
    expect(changedImage).not.toBe(originalImage);
});

test("an empty repoDigest fails the program with a clear error instead of falling back to the tag", () => {
    // In its own process: the failing apply rejects every registration that uses it, as in a real update.
    const script = `
        const { setupMocks } = require("./test/mocks");
        const { PeerMonitor } = require("./components/peerMonitor");
        setupMocks("pm", { repoDigest: () => "" });
        new PeerMonitor("empty", ${JSON.stringify(ARGS)});
    `;
    const r = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", "-e", script], { cwd: path.join(__dirname, ".."), encoding: "utf8" });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(`The Docker provider reported no repoDigest for the built image ${ARGS.imageName}`);
    expect(() => requireRepoDigest("x:1", undefined)).toThrow("no repoDigest");
    expect(requireRepoDigest("x:1", "sha256:ab")).toBe("sha256:ab");
});

test("the Dockerfile takes its port from the LISTEN_PORT build arg, which the stack sets to the registry port", () => {
    const dockerfile = fs.readFileSync(path.join(PEER_MONITOR_SOURCE_DIR, "Dockerfile"), "utf8");
    const port = String(SERVICES.peerMonitor.ports.http);
    const arg = /^ARG LISTEN_PORT(?:=(\S+))?$/m.exec(dockerfile);
    expect(arg).not.toBeNull();
    // A default, if the Dockerfile ever has one, must not disagree with the registry.
    if (arg![1] !== undefined) expect(arg![1]).toBe(port);
    expect(dockerfile).toMatch(/^EXPOSE \$\{LISTEN_PORT\}$/m);
    expect(peerMonitorBuildArgs("node:24-bookworm-slim").LISTEN_PORT).toBe(port);
});
