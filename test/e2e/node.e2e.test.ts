/**
 * End to end: the containers the program declares, started on a real Docker engine with real Geth, Prysm,
 * Prometheus, Alertmanager, node-exporter and peer-monitor images (built locally by images/build-images.sh,
 * tagged exactly as the e2e stack config names them). This verifies our declarations with the real binaries;
 * it does not run the Pulumi engine or its Docker provider (neither can be installed here).
 */
import * as http from "http";
import { execFile } from "child_process";
import { BEACON_ALIAS, EXECUTION_ALIAS } from "../../components/endpoints";
import { readinessScript, parseNodeStatus } from "../../components/readiness";
import { DeclaredStack, StartResult, addressOf, declare, eventually, exec, inspect, logs, teardown, up } from "./runner";
import { E2E_CONFIG } from "./config";

const STACK = "e2e";
const PEER = `eth-node-${STACK}-geth-peer`;
let d: DeclaredStack;
let started: StartResult;

function get(url: string, timeoutMs = 5000): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
        const req = http.get(url, { timeout: timeoutMs }, (res) => {
            let body = "";
            res.on("data", (c) => (body += c));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on("timeout", () => req.destroy(new Error(`timeout ${url}`)));
        req.on("error", reject);
    });
}

const container = (suffix: string) => `eth-node-${STACK}-${suffix}`;
/** Evaluates `js` in a Geth console; returns the first output line with a string result's quotes removed. */
const gethExec = async (name: string, js: string, endpoint: string): Promise<string> =>
    (await exec("docker", ["exec", name, "geth", "attach", "--exec", js, endpoint])).stdout.trim().split("\n")[0].replace(/^"(.*)"$/, "$1");

beforeAll(async () => {
    d = await declare(STACK, E2E_CONFIG);
    started = await up(d);
}, 600_000);

afterAll(async () => {
    if (d) await teardown(d, [PEER]);
}, 120_000);

test("every declared container whose image exists here is started; the rest are named", () => {
    const names = d.containers.map((c) => c.name);
    expect(names).toEqual(expect.arrayContaining([container("geth"), container("prysm"), container("peer-monitor")]));
    expect(started.started).toEqual(expect.arrayContaining([container("geth"), container("prysm"), container("peer-monitor")]));
    // Grafana, Loki and Alloy cannot be built here (no registry, no Debian package); everything else must run.
    for (const skipped of started.skipped) expect(skipped.image).toMatch(/^grafana\//);
});

test("Geth and Prysm start with every declared flag and stay up", async () => {
    await eventually("geth healthy", 180_000, async () => {
        const info = await inspect(container("geth"));
        return info.State.Health?.Status === "healthy" ? true : undefined;
    });
    for (const name of [container("geth"), container("prysm")]) {
        const info = await inspect(name);
        expect(info.State.Running).toBe(true);
        expect(info.RestartCount).toBe(0);
        expect(info.Config.User).toMatch(/^1000[12]:1000[12]$/);
        const text = await logs(name);
        expect(text).not.toMatch(/flag provided but not defined|Fatal:|level=fatal/);
    }
}, 240_000);

test("Prysm authenticates to Geth's engine API with the shared JWT", async () => {
    // Prysm reports the engine connection once its authenticated calls succeed; Geth reports a beacon client
    // once it has received authenticated engine calls (offline, no forkchoice updates follow: no peers).
    await eventually("Prysm connected to the engine endpoint", 120_000, async () =>
        (await logs(container("prysm"))).includes('msg="Connected to new endpoint" endpoint="http://execution:8551"') ? true : undefined,
    );
    await eventually("Geth sees the beacon client", 120_000, async () =>
        /Beacon client online/.test(await logs(container("geth"))) ? true : undefined,
    );
    const authErrors = /unauthori[sz]ed|invalid token|signature is invalid|token is expired|missing token|\b401\b|403 Forbidden/i;
    expect(await logs(container("geth"))).not.toMatch(authErrors);
    expect(await logs(container("prysm"))).not.toMatch(authErrors);
    const beacon = await addressOf(container("prysm"), d.networkName);
    const syncing = JSON.parse((await get(`http://${beacon}:3500/eth/v1/node/syncing`)).body).data;
    expect(syncing).toHaveProperty("head_slot");
}, 240_000);

test("the engine API refuses a request without the JWT", async () => {
    const geth = await addressOf(container("geth"), d.networkName);
    const res = await new Promise<number>((resolve, reject) => {
        const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "engine_exchangeCapabilities", params: [[]] });
        const req = http.request(
            { host: geth, port: 8551, method: "POST", path: "/", headers: { "Content-Type": "application/json", Host: `${EXECUTION_ALIAS}:8551` } },
            (r) => {
                r.resume();
                resolve(r.statusCode ?? 0);
            },
        );
        req.on("error", reject);
        req.end(body);
    });
    expect(res).toBe(401);
});

test("a second Geth becomes a peer; the peer monitor reports it and its drop", async () => {
    const geth = container("geth");
    const enode = await gethExec(geth, "admin.nodeInfo.enode", "/data/geth.ipc");
    const gethIp = await addressOf(geth, d.networkName);
    const target = enode.replace(/@[^:]+:/, `@${gethIp}:`);
    const image = d.containers.find((c) => c.name === geth)!.image;
    await exec("docker", [
        "run", "-d", "--name", PEER, "--network", d.networkName, "--dns", "127.0.0.1", image,
        "--mainnet", "--datadir=/tmp/peer", "--nodiscover", "--port=30303", "--maxpeers=5", "--authrpc.port=8551",
    ]);
    // The node id (keccak256 of the public key) is what admin_peers and peerEvents report.
    const peerId = await eventually("second geth IPC", 60_000, async () => gethExec(PEER, "admin.nodeInfo.id", "/tmp/peer/geth.ipc"));
    expect(peerId).toMatch(/^[0-9a-f]{64}$/);
    await gethExec(PEER, `admin.addPeer(${JSON.stringify(target)})`, "/tmp/peer/geth.ipc");
    await eventually("peering", 60_000, async () =>
        Number(await gethExec(geth, "admin.peers.length", "/data/geth.ipc")) >= 1 ? true : undefined,
    );

    // Reported within 30 s: on stdout (JSON lines), on /peers and on /metrics.
    const monitor = await addressOf(container("peer-monitor"), d.networkName);
    const t0 = Date.now();
    await eventually("peer_connected on stdout", 30_000, async () => {
        const lines = (await exec("docker", ["logs", container("peer-monitor")])).stdout.split("\n");
        return lines.some((l) => l.includes('"peer_connected"') && l.includes(peerId.slice(0, 16))) ? true : undefined;
    });
    // The peer event carries only id and addresses; the next admin_peers reconcile adds the client.
    const peer = await eventually("/peers lists the peer as a Geth client", 30_000 - (Date.now() - t0), async () => {
        const snapshot = JSON.parse((await get(`http://${monitor}:9200/peers`)).body);
        const found = snapshot.el.peers.find((p: { id: string }) => p.id === peerId);
        // Real geth accepted admin_subscribe ["peerEvents"] from the monitor's WebSocket client.
        expect(snapshot.el.subscription).toBe("active");
        return found?.client.family === "geth" ? found : undefined;
    });
    expect(peer.client.version).toMatch(/^v?1\.17\./);
    const metrics = await get(`http://${monitor}:9200/metrics`);
    expect(metrics.body).toMatch(/peer_monitor_peers\{[^}]*layer="el"[^}]*\} 1\b/);

    await exec("docker", ["stop", "-t", "10", PEER]);
    await eventually("peer_disconnected on stdout", 60_000, async () => {
        const out = (await exec("docker", ["logs", container("peer-monitor")])).stdout;
        return out.split("\n").some((l) => l.includes('"peer_disconnected"') && l.includes(peerId.slice(0, 16))) ? true : undefined;
    });
    await eventually("/peers without the peer", 30_000, async () => {
        const res = await get(`http://${monitor}:9200/peers`);
        return res.body.includes(peerId.slice(0, 16)) ? undefined : true;
    });
}, 300_000);

test("the readiness probe, run against the real containers, reports EL and CL status", async () => {
    const script = readinessScript(container("geth"), 120, 2);
    const { stdout } = await new Promise<{ stdout: string }>((resolve, reject) =>
        execFile("/bin/sh", ["-c", script], { timeout: 150_000 }, (err, out, stderr) =>
            err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve({ stdout: out }),
        ),
    );
    const status = parseNodeStatus(stdout);
    expect(typeof status.execution.headBlock).toBe("number");
    expect(status.consensus.syncing).toHaveProperty("head_slot");
    expect(status.consensus.peers).toHaveProperty("connected");
    expect(BEACON_ALIAS).toBe("beacon");
}, 180_000);

test("Prometheus scrapes every target whose image exists here (up == 1)", async () => {
    const prometheus = await addressOf(container("prometheus"), d.networkName);
    const skippedAliases = new Set(
        started.skipped.map((s) => d.containers.find((c) => c.name === s.name)!.inputs.networksAdvanced[0].aliases[0]),
    );
    const up = await eventually("all reachable targets up", 120_000, async () => {
        const res = JSON.parse((await get(`http://${prometheus}:9090/api/v1/query?query=up`)).body);
        const results: Array<{ metric: Record<string, string>; value: [number, string] }> = res.data.result;
        const expected = results.filter((r) => !skippedAliases.has(r.metric.instance.split(":")[0]));
        return expected.length >= 5 && expected.every((r) => r.value[1] === "1") ? results : undefined;
    });
    const jobsUp = up.filter((r) => r.value[1] === "1").map((r) => r.metric.job);
    expect(jobsUp).toEqual(expect.arrayContaining(["geth", "prysm", "peer-monitor", "node-exporter", "prometheus", "alertmanager"]));
}, 180_000);

test("Alertmanager loads its generated config", async () => {
    const alertmanager = await addressOf(container("alertmanager"), d.networkName);
    const status = await eventually("alertmanager status", 60_000, async () => {
        const res = await get(`http://${alertmanager}:9093/api/v2/status`);
        return res.status === 200 ? JSON.parse(res.body) : undefined;
    });
    expect(status.config.original).toContain("receivers");
    expect((await inspect(container("alertmanager"))).RestartCount).toBe(0);
});

test("host port bindings are exactly the declared ones: P2P on all interfaces, the rest on 127.0.0.1", async () => {
    for (const name of started.started) {
        const declared = d.containers.find((c) => c.name === name)!.inputs.ports ?? [];
        const info = await inspect(name);
        const bindings: Record<string, Array<{ HostIp: string; HostPort: string }>> = info.HostConfig.PortBindings ?? {};
        const actual = Object.entries(bindings)
            .flatMap(([port, list]) => list.map((b) => `${b.HostIp}:${b.HostPort}->${port}`))
            .sort();
        const expected = declared.map((p: any) => `${p.ip}:${p.external}->${p.internal}/${p.protocol}`).sort();
        expect(actual).toEqual(expected);
        for (const entry of actual) {
            const p2p = /->(30303|13000|12000)\//.test(entry);
            expect(entry.startsWith(p2p ? "0.0.0.0:" : "127.0.0.1:")).toBe(true);
        }
    }
});

test("no secret appears in docker inspect output", async () => {
    for (const name of started.started) {
        const text = JSON.stringify(await inspect(name));
        expect(text).not.toContain(d.jwtHex);
        expect(text).not.toContain(d.password);
    }
});
