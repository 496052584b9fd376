/**
 * End to end: the containers the program declares, started on a real Docker engine with real Geth, Prysm,
 * Prometheus, Alertmanager, node-exporter and peer-monitor images (built locally by images/build-images.sh
 * at exactly the tags the stack pins by default). This verifies our declarations with the real binaries;
 * it does not run the Pulumi engine or its Docker provider (test/engine/ builds those; not yet used here). Grafana, Loki
 * and Alloy cannot be built here (config.ts, UNBUILDABLE_IMAGES): their containers are declared, not run.
 */
import * as fs from "fs";
import * as http from "http";
import * as path from "path";
import { SERVICES, ServiceId } from "../../components/services";
import { parseNodeConfig } from "../../components/config";
import { monitoredScrapeTargets } from "../../components/monitoring/features";
import { substituteGrafanaVariables } from "../../components/monitoring/promql";
import { allPromExpressions } from "../monitoringTools";
import { removeIfPresent } from "./dockerEngine";
import { namesIn, readCatalog, staleConditionals, unexplainedMissing } from "./liveMetrics";
import { DeclaredStack, StartResult, addressOf, builtImages, checkImages, containerHealthy, declare, eventually, exec, expectEngineAuthenticated, get, inspect, logs, teardown, up } from "./runner";
import { E2E_CONFIG, E2E_SCRAPE_SECONDS, UNBUILDABLE_IMAGES, imageRepository } from "./config";
import { StreamView, eventsStream, oneTo, partsOnDisk, sentryRuns, sinkTotals, storedSeqs } from "./tracker";
import { CONSUMER_NAME } from "../../components/validatorTracker";

const STACK = "e2e";
/** The e2e stack's parsed config: thresholds, bind address and pinned images the checks compare against. */
const E2E_NODE_CONFIG = parseNodeConfig((key) => E2E_CONFIG[key]);
const E2E_FEATURES = { validatorTracker: E2E_NODE_CONFIG.validatorTracker.enabled };
const PEER = `eth-node-${STACK}-geth-peer`;
/** The second peer monitor started as peer-monitor/README.md shows. */
const README_MONITOR = `eth-node-${STACK}-readme-monitor`;
let d: DeclaredStack;
let started: StartResult;

const container = (suffix: string) => `eth-node-${STACK}-${suffix}`;
const of = (service: ServiceId) => container(SERVICES[service].containerSuffix);
/** A check for `eventually`: the service's container reports healthy. */
const healthy = (service: ServiceId) => containerHealthy(of(service));
/** `http://<container address>:<port>` of a service's port on the node network. */
async function urlOf<S extends ServiceId>(service: S, port: keyof (typeof SERVICES)[S]["ports"]): Promise<string> {
    const ports = SERVICES[service].ports as Record<typeof port, number>;
    return `http://${await addressOf(of(service), d.networkName)}:${ports[port]}`;
}
/** Evaluates `js` in a Geth console; returns the first output line with a string result's quotes removed. */
const gethExec = async (name: string, js: string, endpoint: string): Promise<string> =>
    (await exec("docker", ["exec", name, "geth", "attach", "--exec", js, endpoint])).stdout.trim().split("\n")[0].replace(/^"(.*)"$/, "$1");

beforeAll(async () => {
    d = await declare(STACK, E2E_CONFIG);
    started = await up(d);
}, 600_000);

afterAll(async () => {
    if (d) await teardown(d, [PEER, README_MONITOR]);
}, 120_000);

test("every declared container is started except the documented unbuildable ones", () => {
    const notStarted = d.containers.map((c) => c.name).filter((name) => !started.started.includes(name));
    expect(notStarted.sort()).toEqual(started.skipped.map((s) => s.name).sort());
    expect([...new Set(started.skipped.map((s) => imageRepository(s.image)))].sort()).toEqual(Object.keys(UNBUILDABLE_IMAGES).sort());
    expect(E2E_FEATURES.validatorTracker).toBe(true);
    for (const service of ["execution", "beacon", "peerMonitor", "prometheus", "alertmanager", "nodeExporter", "nats", "valtrackConsumer", "valtrackSentry"] as const) {
        expect(started.started).toContain(of(service));
    }
});

test("Geth and Prysm start with every declared flag and stay up", async () => {
    await eventually("geth healthy", 180_000, healthy("execution"));
    for (const name of [of("execution"), of("beacon")]) {
        const info = await inspect(name);
        expect(info.State.Running).toBe(true);
        expect(info.RestartCount).toBe(0);
        expect(info.Config.User).toMatch(/^1000[12]:1000[12]$/);
        const text = await logs(name);
        expect(text).not.toMatch(/flag provided but not defined|Fatal:|level=fatal/);
    }
}, 240_000);

test("Prysm authenticates to Geth's engine API with the shared JWT", async () => {
    await expectEngineAuthenticated(of("execution"), of("beacon"));
    const syncing = JSON.parse((await get(`${await urlOf("beacon", "http")}/eth/v1/node/syncing`)).body).data;
    expect(syncing).toHaveProperty("head_slot");
}, 240_000);

test("the engine API refuses a request without the JWT", async () => {
    const geth = await addressOf(of("execution"), d.networkName);
    const engine = SERVICES.execution.ports.engine;
    const res = await new Promise<number>((resolve, reject) => {
        const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "engine_exchangeCapabilities", params: [[]] });
        const req = http.request(
            { host: geth, port: engine, method: "POST", path: "/", headers: { "Content-Type": "application/json", Host: `${SERVICES.execution.alias}:${engine}` } },
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
    const geth = of("execution");
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
    const monitor = await urlOf("peerMonitor", "http");
    const t0 = Date.now();
    await eventually("peer_connected on stdout", 30_000, async () => {
        const lines = (await exec("docker", ["logs", of("peerMonitor")])).stdout.split("\n");
        return lines.some((l) => l.includes('"peer_connected"') && l.includes(peerId.slice(0, 16))) ? true : undefined;
    });
    // The peer event carries only id and addresses; the next admin_peers reconcile adds the client.
    const peer = await eventually("/peers lists the peer as a Geth client", 30_000 - (Date.now() - t0), async () => {
        const snapshot = JSON.parse((await get(`${monitor}/peers`)).body);
        const found = snapshot.el.peers.find((p: { id: string }) => p.id === peerId);
        // Real geth accepted admin_subscribe ["peerEvents"] from the monitor's WebSocket client.
        expect(snapshot.el.subscription).toBe("active");
        return found?.client.family === "geth" ? found : undefined;
    });
    expect(peer.client.version).toMatch(/^v?1\.17\./);
    const metrics = await get(`${monitor}${SERVICES.peerMonitor.metrics.path}`);
    expect(metrics.body).toMatch(/peer_monitor_peers\{[^}]*layer="el"[^}]*\} 1\b/);

    await exec("docker", ["stop", "-t", "10", PEER]);
    await eventually("peer_disconnected on stdout", 60_000, async () => {
        const out = (await exec("docker", ["logs", of("peerMonitor")])).stdout;
        return out.split("\n").some((l) => l.includes('"peer_disconnected"') && l.includes(peerId.slice(0, 16))) ? true : undefined;
    });
    await eventually("/peers without the peer", 30_000, async () => {
        const res = await get(`${monitor}/peers`);
        return res.body.includes(peerId.slice(0, 16)) ? undefined : true;
    });
}, 300_000);

// --- the validator tracker ------------------------------------------------------------------------------------

/** The API token (and NATS password) the consumer received: what every RandomPassword returned in this run. */
const apiToken = () => d.password;

test("the validator tracker's NATS, consumer and sentry are healthy, and the consumer's API wants its token", async () => {
    for (const service of ["nats", "valtrackConsumer", "valtrackSentry"] as const) {
        await eventually(`${service} healthy`, 120_000, healthy(service));
        expect((await inspect(of(service))).RestartCount).toBe(0);
    }
    const api = await urlOf("valtrackConsumer", "api");
    expect((await get(`${api}/peers`, { timeoutMs: 10_000 })).status).toBe(401);
    expect((await get(`${api}/peers`, { token: `${apiToken()}x`, timeoutMs: 10_000 })).status).toBe(401);
    expect((await get(`${api}/peers`, { token: apiToken(), timeoutMs: 10_000 })).status).toBe(200);
}, 180_000);

test("the sentry discovers and handshakes the stack's own Prysm; parquet parts appear in the consumer's volume; the API answers with that node", async () => {
    const identity = JSON.parse((await get(`${await urlOf("beacon", "http")}/eth/v1/node/identity`)).body).data;
    const api = await urlOf("valtrackConsumer", "api");
    const prysm = await eventually("the API to list the stack's Prysm with its metadata", 180_000, async () => {
        const { peers } = JSON.parse((await get(`${api}/peers`, { token: apiToken(), timeoutMs: 10_000 })).body);
        return peers.find((p: { id: string; client: { family?: string } }) => p.id === identity.peer_id);
    });
    expect(prysm.client.family).toBe("prysm");
    const parts = await partsOnDisk(of("valtrackConsumer"));
    for (const file of ["discovery_events", "metadata_events", "validator_metadata_events"]) {
        expect(parts.some((p) => p.startsWith(`${file}/`))).toBe(true);
    }
    const stats = JSON.parse((await get(`${api}/stats`, { token: apiToken(), timeoutMs: 10_000 })).body);
    expect(stats.clients.prysm.peers).toBeGreaterThanOrEqual(1);
    // The sentry's own view: a successful handshake with a Prysm node, published to NATS.
    const sentryMetrics = (await get(`${await urlOf("valtrackSentry", "metrics")}${SERVICES.valtrackSentry.metrics.path}`)).body;
    expect(sentryMetrics).toMatch(/valtrack_handshakes_total\{[^}]*result="success"[^}]*\} [1-9]/);
}, 240_000);


test("README.md's SQL over the consumer's parquet parts works as written and counts the stack's Prysm", async () => {
    const block = /```sh\n(docker exec eth-node-<stack>-valtrack-consumer (.*?))\n```/s.exec(fs.readFileSync(path.join(__dirname, "..", "..", "README.md"), "utf8"));
    expect(block).not.toBeNull();
    // The shell's own parsing of the README's line (quotes, the line continuation), with <stack> this stack.
    const command = block![1].replace("<stack>", STACK);
    const { stdout } = await exec("sh", ["-c", command]);
    expect(stdout).toMatch(/Prysm\/v/);
}, 60_000);

/** `GET <prometheus>/api/v1/<path>`, parsed. */
async function prometheusApi(path: string): Promise<{ status: string; error?: string; data: any }> {
    return JSON.parse((await get(`${await urlOf("prometheus", "http")}/api/v1/${path}`, { timeoutMs: 15_000 })).body);
}

/** The scrape jobs of the registry whose containers run here (Loki and Alloy are declared, not run). */
/** The jobs of the services this stack deploys (optional parts, e.g. the validator tracker, only when on). */
function deployedJobs(): string[] {
    return monitoredScrapeTargets(E2E_FEATURES).map((t) => t.job);
}

function runningJobs(): string[] {
    const skipped = new Set(started.skipped.map((s) => s.name));
    const deployed = deployedJobs();
    return (Object.keys(SERVICES) as ServiceId[])
        .filter((id) => SERVICES[id].metrics !== undefined && deployed.includes(SERVICES[id].metrics!.job) && !skipped.has(of(id)))
        .map((id) => SERVICES[id].metrics!.job);
}

test("Prometheus scrapes every target that runs here (up == 1), by the registry's job names", async () => {
    const jobs = runningJobs();
    expect(jobs.length).toBeGreaterThanOrEqual(6);
    const up = await eventually("all running targets up", 120_000, async () => {
        const results: Array<{ metric: Record<string, string>; value: [number, string] }> = (await prometheusApi("query?query=up")).data.result;
        const upJobs = results.filter((r) => r.value[1] === "1").map((r) => r.metric.job);
        return jobs.every((job) => upJobs.includes(job)) ? results : undefined;
    });
    // The targets of the services that cannot run here are configured and down: nothing else is scraped.
    const configured = up.map((r) => r.metric.job).sort();
    expect(configured).toEqual(deployedJobs().sort());
}, 180_000);

test("every alert rule and dashboard expression evaluates against the live Prometheus", async () => {
    const expressions = allPromExpressions(E2E_NODE_CONFIG.monitoring.thresholds, E2E_FEATURES);
    expect(expressions.length).toBeGreaterThan(20);
    const failures: string[] = [];
    for (const { where, expr } of expressions) {
        const res = await prometheusApi(`query?query=${encodeURIComponent(substituteGrafanaVariables(expr))}`);
        if (res.status !== "success") failures.push(`${where}: ${res.error} (${expr})`);
    }
    expect(failures).toEqual([]);
}, 120_000);

test("every metric name the rules, dashboards and catalog use exists in the live data (or is documented as conditional)", async () => {
    const jobs = runningJobs();
    // Two scrape rounds after every target is up, so each name has been seen.
    await new Promise((r) => setTimeout(r, 2 * Number.parseInt(E2E_SCRAPE_SECONDS, 10) * 1000));
    const live = new Set<string>((await prometheusApi("label/__name__/values")).data);
    const used = allPromExpressions(E2E_NODE_CONFIG.monitoring.thresholds, E2E_FEATURES).flatMap(({ expr }) => namesIn(expr));
    const catalogued = readCatalog()
        .filter((e) => jobs.includes(e.target) || e.target === "(every scrape job)")
        .map((e) => e.name);
    expect({ missing: unexplainedMissing([...used, ...catalogued], live), stale: staleConditionals(live) }).toEqual({ missing: [], stale: [] });
}, 120_000);

test("each running service reports exactly the version the stack pins", async () => {
    const tag = (image: string) => image.slice(image.lastIndexOf(":") + 1).replace(/^v/, "");
    expect((await prometheusApi("status/buildinfo")).data.version).toBe(tag(E2E_NODE_CONFIG.monitoring.images.prometheus));
    const am = JSON.parse((await get(`${await urlOf("alertmanager", "http")}/api/v2/status`)).body);
    expect(am.versionInfo.version).toBe(tag(E2E_NODE_CONFIG.monitoring.images.alertmanager));
    const ne = (await get(`${await urlOf("nodeExporter", "http")}${SERVICES.nodeExporter.metrics.path}`)).body;
    expect(ne).toMatch(new RegExp(`node_exporter_build_info\\{[^}]*version="${tag(E2E_NODE_CONFIG.monitoring.images.nodeExporter)}"`));
    const prysm = JSON.parse((await get(`${await urlOf("beacon", "http")}/eth/v1/node/version`)).body).data.version;
    expect(prysm).toMatch(new RegExp(`^Prysm/v${tag(E2E_NODE_CONFIG.images.prysm).replace(/\./g, "\\.")}[ /]`));
    expect(await gethExec(of("execution"), "web3.version.node", "/data/geth.ipc")).toContain(`/v${tag(E2E_NODE_CONFIG.images.geth)}-`);
    // Built with upstream's toolchain: with Go 1.26 Prysm's QUIC transport panics on its first inbound handshake.
    const prysmMetrics = (await get(`${await urlOf("beacon", "metrics")}${SERVICES.beacon.metrics.path}`)).body;
    expect(prysmMetrics).toContain(`go_info{version="${builtImages().PRYSM_GOTOOLCHAIN}"}`);
    expect(builtImages().PRYSM_GOTOOLCHAIN).toMatch(/^go1\.25\./);
});

test("the runner refuses to start when a declared image is missing, naming it; only the documented ones are skipped", async () => {
    const declared = (image: string) => ({ ...d.containers[0], name: `probe-${image}`, image });
    await expect(checkImages([declared("eth-node-e2e/not-built:1.0.0")])).rejects.toThrow(/eth-node-e2e\/not-built:1\.0\.0/);
    const skipped = await checkImages([declared("grafana/grafana:0.0.0-never-built")]);
    expect(skipped.map((s) => s.reason)).toEqual([UNBUILDABLE_IMAGES["grafana/grafana"]]);
});

test("Alertmanager loads its generated config", async () => {
    const status = await eventually("alertmanager status", 60_000, async () => {
        const res = await get(`${await urlOf("alertmanager", "http")}/api/v2/status`);
        return res.status === 200 ? JSON.parse(res.body) : undefined;
    });
    expect(status.config.original).toContain("receivers");
    expect((await inspect(of("alertmanager"))).RestartCount).toBe(0);
});

test("peer-monitor/README.md's way to run a second monitor against a deployed stack works as written", async () => {
    // The block under "Against a deployed stack": `docker build -t <tag> peer-monitor` then
    // `docker run --rm --network eth-node-<stack> -p <host>:<port>:<port> <tag> <flags>`, run here against this
    // stack's network. Only `--rm` becomes `-d --name` (to read its answer) and DNS stays on loopback, as for
    // every e2e container; the port mapping is kept (it publishes nothing on the internal network).
    const runBlock = (readme: string) =>
        /```(?:sh)?\n(docker build -t (\S+) peer-monitor)\n(docker run --rm --network eth-node-<stack> (.*?))\n```/s.exec(
            fs.readFileSync(path.join(__dirname, "..", "..", readme), "utf8"),
        );
    const block = runBlock("peer-monitor/README.md");
    expect(block).not.toBeNull();
    // The root README shows the same lines.
    expect(runBlock("README.md")?.slice(1)).toEqual(block!.slice(1));
    const [, build, tag, , runRest] = block!;
    const runArgs = runRest.replace(/\\\n\s*/g, " ").trim().split(/\s+/);
    expect(runArgs).toContain(tag);
    const containerPort = /-p \S+:(\d+)/.exec(runRest)![1];
    await exec("docker", build.split(/\s+/).slice(1), { cwd: path.join(__dirname, "..", ".."), maxBuffer: 16 * 1024 * 1024 });
    await removeIfPresent(`/containers/${README_MONITOR}?force=true`);
    await exec("docker", ["run", "-d", "--name", README_MONITOR, "--dns", "127.0.0.1", "--network", d.networkName, ...runArgs]);
    const monitor = `http://${await addressOf(README_MONITOR, d.networkName)}:${containerPort}`;
    const peers = await eventually("the README's monitor to report both layers", 60_000, async () => {
        const snapshot = JSON.parse((await get(`${monitor}/peers`)).body);
        return snapshot.el?.subscription === "active" && snapshot.cl !== undefined ? snapshot : undefined;
    });
    expect(Array.isArray(peers.el.peers)).toBe(true);
    expect((await get(`${monitor}/healthz`)).status).toBe(200);
}, 240_000);

/** Whether the stream holds every message from its first to its last sequence (none removed but by an ack). */
const contiguous = (v: StreamView) => v.messages === v.lastSeq - v.firstSeq + 1;

test("a `docker restart` of NATS loses nothing: the stream and the durable survive, and every event is on disk exactly once", async () => {
    const nats = await urlOf("nats", "monitoring");
    const consumer = of("valtrackConsumer");
    const sentry = of("valtrackSentry");
    const before = await eventually("events in the stream", 60_000, async () => {
        const v = await eventsStream(nats);
        return v && v.lastSeq > 0 ? v : undefined;
    });
    expect(before.consumers.map((c) => c.name)).toEqual([CONSUMER_NAME]);
    // With the consumer stopped, the sentry's next events wait in the stream: a restarted sentry reports its
    // bootnodes and handshakes Prysm again, and NATS holds those events for the durable.
    await exec("docker", ["stop", consumer]);
    await exec("docker", ["restart", sentry]);
    const held = await eventually("the restarted sentry's events held in the stream", 180_000, async () => {
        const v = await eventsStream(nats);
        const sink = sinkTotals((await get(`${await urlOf("valtrackSentry", "metrics")}${SERVICES.valtrackSentry.metrics.path}`)).body);
        return v && sink.published > 0 && sink.buffered === 0 && v.lastSeq === before.lastSeq + sink.published && contiguous(v) ? v : undefined;
    });
    await exec("docker", ["restart", of("nats")]);
    await eventually("NATS healthy again", 120_000, healthy("nats"));
    const back = await eventually("the stream back", 30_000, async () => eventsStream(nats));
    // Everything held is still there (from the same first sequence on, none missing); the sentry may have
    // published more meanwhile (its handshake's event can follow its discovery events).
    expect({ firstSeq: back.firstSeq, keptAll: back.lastSeq >= held.lastSeq, contiguous: contiguous(back) }).toEqual({ firstSeq: held.firstSeq, keptAll: true, contiguous: true });
    expect(back.consumers.map((c) => c.name)).toEqual([CONSUMER_NAME]);
    // The sentry, running throughout, lost its connection and got it back by itself.
    await eventually("the sentry reconnected", 60_000, async () => (sentryRuns(await logs(sentry)).current?.reconnected ? true : undefined));
    await eventually("sentry healthy", 120_000, healthy("valtrackSentry"));
    // The consumer resumes its durable; the sentry is stopped (it flushes on SIGTERM and logs its totals).
    await exec("docker", ["start", consumer]);
    await exec("docker", ["stop", sentry]);
    const drained = await eventually("the stream drained", 120_000, async () => {
        const v = await eventsStream(nats);
        return v && v.messages === 0 && v.consumers.every((c) => c.numPending === 0 && c.numAckPending === 0) ? v : undefined;
    });
    // Every sequence the stream ever had is on disk exactly once, and they are every event the sentry published
    // over its runs, none dropped.
    expect(await storedSeqs(consumer)).toEqual(oneTo(drained.lastSeq));
    const runs = sentryRuns(await logs(sentry)).stopped;
    expect(runs.length).toBeGreaterThanOrEqual(2);
    expect({ published: runs.reduce((n, r) => n + r.published, 0), dropped: runs.reduce((n, r) => n + r.dropped, 0) }).toEqual({ published: drained.lastSeq, dropped: 0 });
    await exec("docker", ["start", sentry]);
}, 600_000);
