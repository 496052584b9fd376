/**
 * The real program through the real Pulumi engine on the real Docker engine (issue 14): the e2e stack's config
 * (test/e2e/config.ts) with the readiness check on and an alert webhook set, deployed from a copy of the
 * repository (so a source change can be made without touching the checkout), in this order:
 *   up → the node works (Geth healthy, Prysm authenticated, the peer monitor reporting, readiness outputs), the
 *   host ports are the declared ones, the secrets only in their private files;
 *   preview --expect-no-changes; the state file holds no plaintext secret;
 *   a Geth flag, an alert threshold and the peer monitor's source changed → up → the new values are live;
 *   destroy → containers and network gone, every data volume kept;
 *   up again (deleteVolumesOnDestroy=true) → the kept volumes are reused, data intact; destroy → volumes gone.
 * What is not the published software: the docker, random and command plugins are our stand-ins (providers/),
 * and Grafana, Loki and Alloy run placeholder images (placeholderImages.ts). Nothing leaves the machine:
 * isolation.ts drops every packet the stack's containers send off their bridge (checked below).
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { randomBytes } from "crypto";
import { CONFIG_NAMESPACE, hostPortClaims, parseNodeConfig } from "../../components/config";
import { STACK_LABEL } from "../../components/docker";
import { GRAFANA_ADMIN_PASSWORD_FILE } from "../../components/monitoring/containers";
import { JWT_PATH } from "../../components/nodeNetwork";
import { SERVICES, stackPrefix } from "../../components/services";
import { NATS_PASSWORD_FILE } from "../../components/validatorTracker";
import { E2E_CONFIG } from "../e2e/config";
import { containerHealthy, eventually, expectEngineAuthenticated, get, inspect } from "../e2e/runner";
import { EngineResult, ROOT, cli, runEngine } from "./engineStack";
import { blockBridgeEgress, droppedPackets, unblockBridgeEgress } from "./isolation";
import { buildPlaceholders, removePlaceholders, unbuildableStackImages } from "./placeholderImages";

const STACK = "engine";
const PASSPHRASE = randomBytes(16).toString("hex");
const WEBHOOK = `http://127.0.0.1:9/alerts-${randomBytes(12).toString("hex")}`;
/** The e2e stack's config, with what only the engine can run turned on. */
const ENGINE_CONFIG: Record<string, string> = { ...E2E_CONFIG, readinessCheck: "true", readinessTimeoutSeconds: "300" };
const HELP_MARK = `engine-test-${randomBytes(6).toString("hex")}`;

let work: string; // Pulumi.yaml, Pulumi.engine.yaml, state/
let program: string; // the copy of the repository the program runs from
let outputs: Record<string, { value: any; secret: boolean }>;
const names = () => outputs.containerNames.value as Record<string, string>;
const docker = (...args: string[]) => execFileSync("docker", args, { encoding: "utf8" }).trim();
const setConfig = (key: string, value: string, secret = false) =>
    cli(work, PASSPHRASE, ["config", "set", ...(secret ? ["--secret"] : []), "--stack", STACK, `${CONFIG_NAMESPACE}:${key}`, value]);
const engine = (op: Parameters<typeof runEngine>[0]) => runEngine(op, work, STACK, program, PASSPHRASE);
const stackContainers = () => docker("ps", "-aq", "--filter", `label=${STACK_LABEL}=${STACK}`).split("\n").filter(Boolean);
const stackVolumes = () => docker("volume", "ls", "-q", "--filter", `label=${STACK_LABEL}=${STACK}`).split("\n").filter(Boolean);
/** `pulumi stack output --json` (secrets masked unless showSecrets). */
const stackOutput = (showSecrets = false) => JSON.parse(cli(work, PASSPHRASE, ["stack", "output", "--json", ...(showSecrets ? ["--show-secrets"] : []), "--stack", STACK]));
const volumeExists = (name: string) => docker("volume", "ls", "-q", "--filter", `name=^${name}$`) === name;

/** A copy of the checkout (tracked and untracked files git knows of; node_modules linked, not copied). */
function copyRepository(to: string): void {
    const files = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: ROOT, encoding: "utf8" }).split("\0").filter(Boolean);
    for (const f of files) {
        if (!fs.existsSync(path.join(ROOT, f))) continue; // deleted in the working tree
        fs.mkdirSync(path.dirname(path.join(to, f)), { recursive: true });
        fs.copyFileSync(path.join(ROOT, f), path.join(to, f));
    }
    for (const dir of ["node_modules", "peer-monitor/node_modules", "valtrack/node_modules"]) {
        if (fs.existsSync(path.join(ROOT, dir))) fs.symlinkSync(path.join(ROOT, dir), path.join(to, dir));
    }
}

/** The stack's containers, network and volumes, whatever made them (a failed test, an interrupted run). */
function removeStackLeftovers(): void {
    for (const id of stackContainers()) docker("rm", "-f", "-v", id);
    if (docker("network", "ls", "-q", "--filter", `name=^${stackPrefix(STACK)}$`) !== "") docker("network", "rm", stackPrefix(STACK));
    for (const name of stackVolumes()) docker("volume", "rm", "-f", name);
}

function expectCleanRun(r: EngineResult): void {
    expect(r.diagnostics).toEqual([]);
}

async function upAndOutputs(): Promise<EngineResult> {
    const r = await engine("up");
    expectCleanRun(r);
    outputs = r.outputs!;
    return r;
}

beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), "eth-engine-"));
    program = path.join(work, "program");
    copyRepository(program);
    fs.mkdirSync(path.join(work, "state"));
    fs.writeFileSync(path.join(work, "Pulumi.yaml"), `name: eth-node\nruntime: nodejs\nbackend:\n  url: file://${work}/state\n`);
    removeStackLeftovers();
    removePlaceholders();
    buildPlaceholders();
    blockBridgeEgress();
    cli(work, PASSPHRASE, ["stack", "init", STACK, "--secrets-provider", "passphrase"]);
    for (const [key, value] of Object.entries(ENGINE_CONFIG)) setConfig(key, value);
    setConfig("alertWebhookUrl", WEBHOOK, true);
}, 120_000);

afterAll(async () => {
    // Whatever a failed test left: the stack's resources, its volumes, the placeholders, the firewall rule.
    await engine("destroy").catch(() => undefined);
    removeStackLeftovers();
    removePlaceholders();
    unblockBridgeEgress();
    fs.rmSync(work, { recursive: true, force: true });
}, 600_000);

test("up: the engine creates the stack and the node works", async () => {
    const r = await upAndOutputs();
    expect(r.changeSummary.create).toBeGreaterThan(40);
    await eventually("geth healthy", 180_000, containerHealthy(names().execution));
    await expectEngineAuthenticated(names().execution, names().consensus);
    const peers = await eventually("the peer monitor reports", 60_000, async () => {
        const res = await get(`${outputs.peerMonitorUrl.value}/peers`);
        return res.status === 200 ? JSON.parse(res.body) : undefined;
    });
    expect(peers).toMatchObject({ el: { peer_count: 0 }, cl: { peer_count: 0 } });
    // The mainnet clients tried to reach the internet, and the firewall held every packet on the machine.
    expect(droppedPackets()).toBeGreaterThan(0);
}, 900_000);

test("the readiness outputs and the service URLs are in `pulumi stack output`", () => {
    const shown = stackOutput();
    expect(shown.executionSyncStatus).toMatchObject({ headBlock: 0, peers: 0 });
    expect(shown.executionSyncStatus).toHaveProperty("syncing");
    // The beacon API's `data` objects of /eth/v1/node/syncing and /eth/v1/node/peer_count.
    expect(shown.consensusSyncStatus.syncing).toHaveProperty("head_slot");
    expect(shown.consensusSyncStatus.peers).toHaveProperty("connected");
    expect(shown.executionRpcUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(shown.grafanaAdminPassword).toBe("[secret]");
    expect(shown.validatorTrackerApiToken).toBe("[secret]");
});

test("the engine publishes exactly the stack's host ports: P2P on all interfaces, the rest on bindAddress", async () => {
    const config = parseNodeConfig((key) => ENGINE_CONFIG[key]);
    const p2p = new Set([
        SERVICES.execution.ports.p2p, SERVICES.beacon.ports.p2pTcp, SERVICES.beacon.ports.p2pUdp, SERVICES.beacon.ports.p2pQuic,
        SERVICES.valtrackSentry.ports.p2pTcp, SERVICES.valtrackSentry.ports.p2pUdp,
    ]);
    const placeholders = new Set(unbuildableStackImages());
    const published: Array<{ name: string; binding: string; ip: string; expectedIp: string; answers: boolean }> = [];
    for (const id of stackContainers()) {
        const info = await inspect(id);
        const ports: Record<string, Array<{ HostIp: string; HostPort: string }> | null> = info.NetworkSettings.Ports ?? {};
        for (const [containerPort, bindings] of Object.entries(ports)) {
            for (const b of bindings ?? []) {
                const [port, protocol] = containerPort.split("/");
                published.push({
                    name: info.Name,
                    binding: `${b.HostPort}/${protocol}`,
                    ip: b.HostIp,
                    expectedIp: p2p.has(Number(port)) ? "0.0.0.0" : config.bindAddress,
                    answers: protocol === "tcp" && !p2p.has(Number(port)) && !placeholders.has(info.Config.Image),
                });
            }
        }
    }
    // Every host port the config claims, and no other.
    expect(published.map((p) => p.binding).sort()).toEqual(hostPortClaims(config.ports, config.validatorTracker).map((c) => `${c.port}/${c.protocol}`).sort());
    for (const p of published) expect({ name: p.name, binding: p.binding, ip: p.ip }).toEqual({ name: p.name, binding: p.binding, ip: p.expectedIp });
    // Each service on bindAddress answers there, from this host, through the engine's port proxy: Geth's RPC, the
    // beacon API, the peer monitor, Prometheus, Alertmanager and the tracker's API (Grafana is a placeholder).
    expect(published.filter((p) => p.answers).length).toBe(6);
    for (const p of published.filter((x) => x.answers)) {
        const status = await eventually(`${p.name} on ${p.ip}:${p.binding}`, 30_000, async () => (await get(`http://${p.ip}:${parseInt(p.binding, 10)}/`)).status);
        expect({ name: p.name, answered: status >= 200 && status < 600 }).toEqual({ name: p.name, answered: true });
    }
}, 120_000);

test("the JWT and the generated passwords are in no container's engine configuration, only in their private files", async () => {
    const shown = stackOutput(true);
    const files = [
        { container: names().execution, file: JWT_PATH },
        { container: names().grafana, file: GRAFANA_ADMIN_PASSWORD_FILE, expected: shown.grafanaAdminPassword },
        { container: names().validatorTrackerSentry, file: NATS_PASSWORD_FILE },
    ];
    const secrets: string[] = [shown.grafanaAdminPassword, shown.validatorTrackerApiToken];
    for (const f of files) {
        const content = docker("exec", f.container, "cat", f.file);
        if (f.expected !== undefined) expect(content).toBe(f.expected);
        secrets.push(content);
        // Owned by the user the container runs as, readable by nobody else.
        const [mode, owner] = docker("exec", f.container, "stat", "-c", "%a %u:%g", f.file).split(" ");
        expect({ file: f.file, mode, owner }).toEqual({ file: f.file, mode: "400", owner: (await inspect(f.container)).Config.User });
    }
    expect((await inspect(names().grafana)).Config.Env).toContain(`GF_SECURITY_ADMIN_PASSWORD__FILE=${GRAFANA_ADMIN_PASSWORD_FILE}`);
    for (const id of stackContainers()) {
        const info = await inspect(id);
        const config = JSON.stringify(info);
        expect({ name: info.Name, leaks: secrets.filter((v) => config.includes(v)).length }).toEqual({ name: info.Name, leaks: 0 });
    }
});

test("preview --expect-no-changes passes right after up", async () => {
    const r = await engine("preview-no-changes");
    expectCleanRun(r);
    expect(Object.keys(r.changeSummary)).toEqual(["same"]);
}, 300_000);

test("the state file holds no plaintext JWT, Grafana password, webhook URL or API token", () => {
    const state = cli(work, PASSPHRASE, ["stack", "export", "--stack", STACK]);
    const shown = stackOutput(true);
    const jwt = docker("exec", names().execution, "cat", JWT_PATH);
    const secrets = { jwt, grafanaPassword: shown.grafanaAdminPassword, webhook: WEBHOOK, apiToken: shown.validatorTrackerApiToken };
    for (const [what, value] of Object.entries(secrets)) {
        expect({ what, length: String(value).length >= 20 }).toEqual({ what, length: true });
        for (const form of [value, Buffer.from(value).toString("base64")]) expect({ what, inState: state.includes(form) }).toEqual({ what, inState: false });
    }
    // They are there, encrypted: Pulumi's secret signature marks each ciphertext.
    expect(state.split('"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270"').length - 1).toBeGreaterThanOrEqual(4);
});

test("a Geth flag, an alert threshold and the peer monitor's source change; up makes each live", async () => {
    const before = { geth: (await inspect(names().execution)).Id, peerMonitor: (await inspect(names().peerMonitor)).Id };
    setConfig("elMaxPeers", "37");
    setConfig("elMinPeers", "7");
    const metricsFile = path.join(program, "peer-monitor", "src", "metrics.ts");
    const source = fs.readFileSync(metricsFile, "utf8");
    const help = "Connected peers by layer";
    expect(source).toContain(help);
    fs.writeFileSync(metricsFile, source.replace(help, `${help} (${HELP_MARK})`));

    const r = await upAndOutputs();
    expect(r.changeSummary.replace).toBeGreaterThanOrEqual(2);
    const geth = await inspect(names().execution);
    expect(geth.Id).not.toBe(before.geth);
    expect(docker("exec", names().execution, "cat", "/proc/1/cmdline").split("\0")).toContain("--maxpeers=37");
    await eventually("geth healthy after the change", 180_000, containerHealthy(names().execution));
    await eventually("Prometheus loads the new threshold", 120_000, async () => {
        const res = await get(`${outputs.prometheusUrl.value}/api/v1/rules`);
        const exprs: string[] = JSON.parse(res.body).data.groups.flatMap((g: { rules: Array<{ query: string }> }) => g.rules.map((rule) => rule.query));
        const gethPeers = exprs.filter((e) => /^p2p_peers\{[^}]*\} < \d+$/.test(e));
        return gethPeers.length === 1 && gethPeers[0].endsWith("< 7") ? true : undefined;
    });
    expect((await inspect(names().peerMonitor)).Id).not.toBe(before.peerMonitor);
    await eventually("the rebuilt peer monitor serves the changed source", 120_000, async () =>
        (await get(`${outputs.peerMonitorUrl.value}/metrics`)).body.includes(HELP_MARK) ? true : undefined,
    );
    // And the engine agrees that nothing is left to do.
    expect(Object.keys((await engine("preview-no-changes")).changeSummary)).toEqual(["same"]);
}, 900_000);

test("destroy removes the containers and the network and keeps every data volume", async () => {
    const volumes = Object.values(outputs.volumeNames.value as Record<string, string>);
    expect(volumes.length).toBeGreaterThanOrEqual(5);
    docker("exec", names().execution, "sh", "-c", `echo ${HELP_MARK} > /data/engine-test-marker`);
    expectCleanRun(await engine("destroy"));
    expect(stackContainers()).toEqual([]);
    expect(docker("network", "ls", "-q", "--filter", `name=^${outputs.dockerNetwork.value}$`)).toBe("");
    expect(volumes.filter((v) => !volumeExists(v))).toEqual([]);
}, 600_000);

test("up again reuses the kept volumes; with deleteVolumesOnDestroy set, destroy removes them", async () => {
    setConfig("deleteVolumesOnDestroy", "true");
    await upAndOutputs();
    expect(docker("exec", names().execution, "cat", "/data/engine-test-marker")).toBe(HELP_MARK);
    const volumes = Object.values(outputs.volumeNames.value as Record<string, string>);
    expectCleanRun(await engine("destroy"));
    expect(stackContainers()).toEqual([]);
    expect(volumes.filter(volumeExists)).toEqual([]);
}, 900_000);
