/**
 * What the program declares for the node (Geth, Prysm, network, JWT, volumes, ports, hygiene), evaluated
 * under Pulumi mocks for a mainnet stack with defaults and a hoodi stack with overrides.
 */
import { parse as parseYaml } from "yaml";
import { CONTAINER, DeclaredStack, NETWORK, VOLUME, declareStack, flagValue } from "./harness";
import { SERVICES, scrapeTargetOf } from "../components/services";
import { IMAGE, MOCK_JWT_HEX, revealSecrets, isSecretEnvelope, withoutSecrets } from "./mocks";

const GETH = SERVICES.execution;
const PRYSM = SERVICES.beacon;

const HOODI = {
    network: "hoodi",
    elMaxPeers: "30",
    clMaxPeers: "45",
    externalIp: "203.0.113.7",
    bindAddress: "10.1.2.3",
    checkpointSyncUrl: "https://checkpoint.example.org",
    deleteVolumesOnDestroy: "true",
    elRpcPort: "18545",
    clApiPort: "13500",
    readinessCheck: "false",
};

const stacks: Array<[string, Record<string, string>]> = [
    ["mainnet", {}],
    ["hoodi", HOODI],
];

describe.each(stacks)("%s stack", (stackName, values) => {
    let s: DeclaredStack;
    let geth: Record<string, any>;
    let prysm: Record<string, any>;
    beforeAll(async () => {
        s = await declareStack(stackName, values);
        geth = revealSecrets(s.container("geth").inputs);
        prysm = revealSecrets(s.container("prysm").inputs);
    });

    describe("ExecutionNode (Geth)", () => {
        test("image pinned to the configured release", () => {
            expect(geth.image).toBe(s.config.images.geth);
            expect(geth.image).toMatch(/^ethereum\/client-go:v\d+\.\d+\.\d+$/);
        });
        test("network, snap sync, datadir on the named volume", () => {
            expect(geth.command).toContain(`--${s.config.network}`);
            expect(flagValue(geth.command, "--syncmode")).toBe("snap");
            const datadir = flagValue(geth.command, "--datadir");
            expect(geth.volumes).toEqual([{ volumeName: `eth-node-${stackName}-geth-data`, containerPath: datadir }]);
        });
        test("HTTP JSON-RPC offers eth,net,web3 only", () => {
            expect(geth.command).toContain("--http");
            expect(flagValue(geth.command, "--http.api")).toBe("eth,net,web3");
        });
        test("WebSocket offers admin,net,eth for the peer monitor, on the port it dials, and is never published", () => {
            expect(flagValue(geth.command, "--ws.api")?.split(",").sort()).toEqual(["admin", "eth", "net"]);
            const monitorEnv: string[] = s.container("peer-monitor").inputs.envs;
            const elUrl = new URL(monitorEnv.find((e) => e.startsWith("PEER_MONITOR_EL_URL="))!.split("=")[1]);
            expect(elUrl.port).toBe(flagValue(geth.command, "--ws.port"));
            expect(geth.ports.map((p: any) => String(p.internal))).not.toContain(flagValue(geth.command, "--ws.port"));
        });
        test("engine API: JWT file, vhost restricted to the private alias, never published", () => {
            expect(flagValue(geth.command, "--authrpc.jwtsecret")).toBe("/secrets/jwt.hex");
            expect(flagValue(geth.command, "--authrpc.vhosts")).toBe(GETH.alias);
            expect(geth.networksAdvanced[0].aliases).toEqual([flagValue(geth.command, "--authrpc.vhosts")]);
            expect(geth.ports.map((p: any) => String(p.internal))).not.toContain(flagValue(geth.command, "--authrpc.port"));
        });
        test("metrics through --metrics.addr (not pprof), on the port and path Prometheus scrapes", () => {
            expect(geth.command).toEqual(expect.arrayContaining(["--metrics", "--metrics.addr=0.0.0.0"]));
            expect(geth.command.some((a: string) => a.startsWith("--pprof"))).toBe(false);
            const target = scrapeTargetOf("execution");
            expect(flagValue(geth.command, "--metrics.port")).toBe(String(target.port));
            expect(target.alias).toBe(geth.networksAdvanced[0].aliases[0]);
        });
        test("P2P tcp+udp on the published port's target; max peers and external IP from config", () => {
            expect(geth.ports.filter((p: any) => p.ip === "0.0.0.0").map((p: any) => String(p.internal))).toEqual([
                flagValue(geth.command, "--port"),
                flagValue(geth.command, "--port"),
            ]);
            expect(flagValue(geth.command, "--maxpeers")).toBe(String(s.config.elMaxPeers));
            expect(flagValue(geth.command, "--nat")).toBe(s.config.externalIp ? `extip:${s.config.externalIp}` : undefined);
        });
    });

    describe("BeaconNode (Prysm)", () => {
        test("image pinned to the configured release", () => {
            expect(prysm.image).toBe(s.config.images.prysm);
            expect(prysm.image).toMatch(/^gcr\.io\/offchainlabs\/prysm\/beacon-chain:v\d+\.\d+\.\d+$/);
        });
        test("terms accepted, network, datadir volume, engine endpoint and JWT", () => {
            expect(prysm.command).toContain("--accept-terms-of-use");
            expect(prysm.command).toContain(`--${s.config.network}`);
            expect(prysm.volumes).toEqual([{ volumeName: `eth-node-${stackName}-prysm-data`, containerPath: flagValue(prysm.command, "--datadir") }]);
            expect(flagValue(prysm.command, "--jwt-secret")).toBe(flagValue(geth.command, "--authrpc.jwtsecret"));
        });
        test("dials the engine API at the alias Geth accepts (its vhost) and the port Geth serves it on", () => {
            const engine = new URL(flagValue(prysm.command, "--execution-endpoint")!);
            expect(engine.protocol).toBe("http:");
            expect(engine.hostname).toBe(flagValue(geth.command, "--authrpc.vhosts"));
            expect(engine.port).toBe(flagValue(geth.command, "--authrpc.port"));
        });
        test("checkpoint sync from config", () => {
            expect(flagValue(prysm.command, "--checkpoint-sync-url")).toBe(s.config.checkpointSyncUrl);
            expect(flagValue(prysm.command, "--genesis-beacon-api-url")).toBe(s.config.checkpointSyncUrl);
        });
        test("current flag names for API and metrics; metrics on the port Prometheus scrapes", () => {
            expect(flagValue(prysm.command, "--http-port")).toBe(String(PRYSM.ports.http));
            expect(flagValue(prysm.command, "--http-host")).toBe("0.0.0.0");
            expect(flagValue(prysm.command, "--monitoring-host")).toBe("0.0.0.0");
            expect(prysm.command.some((a: string) => a.startsWith("--grpc-gateway"))).toBe(false);
            const target = scrapeTargetOf("beacon");
            expect(flagValue(prysm.command, "--monitoring-port")).toBe(String(target.port));
            expect(target.alias).toBe(prysm.networksAdvanced[0].aliases[0]);
        });
        test("P2P ports, QUIC, host IP and max peers", () => {
            expect(flagValue(prysm.command, "--p2p-tcp-port")).toBe(String(PRYSM.ports.p2pTcp));
            expect(flagValue(prysm.command, "--p2p-udp-port")).toBe(String(PRYSM.ports.p2pUdp));
            expect(flagValue(prysm.command, "--p2p-quic-port")).toBe(String(PRYSM.ports.p2pQuic));
            expect(flagValue(prysm.command, "--p2p-max-peers")).toBe(String(s.config.clMaxPeers));
            expect(flagValue(prysm.command, "--p2p-host-ip")).toBe(s.config.externalIp);
        });
    });

    describe("JWT secret", () => {
        test("a RandomPassword of 64 characters from the 16 hex digits only (32 bytes), no RandomBytes (its ID would be the secret, in plaintext)", () => {
            const jwt = s.one("random:index/randomPassword:RandomPassword", "node-engine-jwt");
            expect(jwt.inputs).toMatchObject({ length: 64, upper: false, lower: false, numeric: false, special: true });
            expect([...new Set(jwt.inputs.overrideSpecial as string)].sort().join("")).toBe("0123456789abcdef");
            expect(jwt.inputs.overrideSpecial).toHaveLength(16);
            expect(s.all("random:index/randomBytes:RandomBytes")).toEqual([]);
        });
        test("delivered as the same file into both clients, readable only by each client's user", () => {
            const gethJwt = geth.uploads.find((u: any) => u.file === "/secrets/jwt.hex");
            const prysmJwt = prysm.uploads.find((u: any) => u.file === "/secrets/jwt.hex");
            expect(gethJwt).toMatchObject({ content: MOCK_JWT_HEX, owner: geth.user.split(":")[0], group: geth.user.split(":")[1], permissions: "0400" });
            expect(prysmJwt).toMatchObject({ content: MOCK_JWT_HEX, owner: prysm.user.split(":")[0], group: prysm.user.split(":")[1], permissions: "0400" });
        });
        test("every property that carries it is a Pulumi secret", async () => {
            for (const suffix of ["geth", "prysm"]) {
                expect(isSecretEnvelope(s.container(suffix).inputs.uploads)).toBe(true);
            }
            expect(JSON.stringify(s.resources.map((r) => withoutSecrets(r.inputs)))).not.toContain(MOCK_JWT_HEX);
            const secret = await new Promise<boolean>((resolve) => resolve((s.node.network.jwtSecretHex as any).isSecret));
            expect(secret).toBe(true);
            expect(await (s.node.execution.container.uploads as any).isSecret).toBe(true);
            expect(await (s.node.beacon.container.uploads as any).isSecret).toBe(true);
        });
    });

    describe("network and volumes", () => {
        test("one Docker network; containers reach each other by alias", () => {
            const network = s.one(NETWORK);
            expect(network.inputs.name).toBe(`eth-node-${stackName}`);
            const aliasOf = (c: Record<string, any>) => c.networksAdvanced.map((n: any) => [n.name, n.aliases]);
            expect(aliasOf(geth)).toEqual([[`eth-node-${stackName}`, [GETH.alias]]]);
            expect(aliasOf(prysm)).toEqual([[`eth-node-${stackName}`, [PRYSM.alias]]]);
        });
        test("chain-data volumes survive destroy unless deletion is opted in", () => {
            const volumes = s.all(VOLUME).filter((v) => /-(geth|prysm)-data$/.test(v.inputs.name));
            expect(volumes).toHaveLength(2);
            for (const v of volumes) expect(v.options.retainOnDelete).toBe(!s.config.deleteVolumesOnDestroy);
        });
        test("each data volume is handed to the user its client runs as, before the client starts", () => {
            for (const suffix of ["geth", "prysm"]) {
                const init = s.container(`${suffix}-data-owner`).inputs;
                expect(init.entrypoints).toEqual(["chown"]);
                expect(init.command).toEqual([s.container(suffix).inputs.user, "/volume"]);
                expect(init.volumes[0].volumeName).toBe(`eth-node-${stackName}-${suffix}-data`);
                expect(init.capabilities).toEqual({ drops: ["ALL"], adds: ["CHOWN"] });
                expect(init.mustRun).toBe(false);
                const client = s.container(suffix);
                expect(client.options.dependencies.some((urn) => urn.endsWith(`::${suffix === "geth" ? "execution" : "beacon"}-data-owner`))).toBe(true);
            }
        });
    });

    describe("ports", () => {
        const published = (c: Record<string, any>) =>
            c.ports.map((p: any) => `${p.ip}:${p.external}->${p.internal}/${p.protocol}`).sort();
        test("only P2P on all interfaces; RPC and API on bindAddress", () => {
            const bind = s.config.bindAddress;
            const p = s.config.ports;
            expect(published(geth)).toEqual(
                [
                    `0.0.0.0:${p.elP2p}->${GETH.ports.p2p}/tcp`,
                    `0.0.0.0:${p.elP2p}->${GETH.ports.p2p}/udp`,
                    `${bind}:${p.elRpc}->${flagValue(geth.command, "--http.port")}/tcp`,
                ].sort(),
            );
            expect(published(prysm)).toEqual(
                [
                    `0.0.0.0:${p.clP2pTcp}->${flagValue(prysm.command, "--p2p-tcp-port")}/tcp`,
                    `0.0.0.0:${p.clP2pUdp}->${flagValue(prysm.command, "--p2p-udp-port")}/udp`,
                    `0.0.0.0:${p.clP2pQuic}->${flagValue(prysm.command, "--p2p-quic-port")}/udp`,
                    `${bind}:${p.clApi}->${flagValue(prysm.command, "--http-port")}/tcp`,
                ].sort(),
            );
        });
        test("no container publishes anything but P2P on 0.0.0.0, and none publishes engine, ws, gRPC or metrics ports", () => {
            const p2p = new Set([GETH.ports.p2p, PRYSM.ports.p2pTcp, PRYSM.ports.p2pUdp, PRYSM.ports.p2pQuic]);
            const privatePorts = [GETH.ports.engine, GETH.ports.ws, PRYSM.ports.grpc, GETH.ports.metrics, PRYSM.ports.metrics];
            for (const c of s.all(CONTAINER)) {
                for (const port of revealSecrets(c.inputs).ports ?? []) {
                    if (port.ip === "0.0.0.0" || port.ip === "::" || port.ip === undefined) expect(p2p.has(port.internal)).toBe(true);
                    expect(privatePorts).not.toContain(port.internal);
                }
            }
        });
    });

    describe("container hygiene", () => {
        test.each(["geth", "prysm", "peer-monitor"])("%s: restart, no-new-privileges, capabilities dropped, rotated logs, non-root", (suffix) => {
            const c = s.container(suffix).inputs;
            expect(c.restart).toBe("unless-stopped");
            expect(c.securityOpts).toContain("no-new-privileges:true");
            expect(c.capabilities).toEqual({ drops: ["ALL"] });
            expect(c.logDriver).toBe("json-file");
            expect(c.logOpts).toEqual({ "max-size": "50m", "max-file": "5", labels: "eth-node.stack,eth-node.role" });
            expect(c.user).toMatch(/^100\d\d:100\d\d$/);
        });
        test("Geth gets minutes of stop grace to flush its database", () => {
            expect(geth.stopTimeout).toBeGreaterThanOrEqual(180);
            expect(geth.destroyGraceSeconds).toBeGreaterThanOrEqual(180);
        });
        test("Geth's healthcheck asks its own RPC with the geth binary, with a writable HOME for the console", () => {
            expect(geth.healthcheck.tests).toEqual(["CMD", "geth", "attach", "--exec", "eth.blockNumber", `http://127.0.0.1:${flagValue(geth.command, "--http.port")}`]);
            expect(geth.envs).toEqual(["HOME=/tmp"]);
        });
        test("children are parented to their component", () => {
            expect(s.container("geth").options.parentUrn).toContain("eth-node:index:ExecutionNode::execution");
            expect(s.container("prysm").options.parentUrn).toContain("eth-node:index:BeaconNode::beacon");
            expect(s.one(NETWORK).options.parentUrn).toContain("eth-node:index:NodeNetwork::node");
        });
        test("every container targets the explicit Docker provider", () => {
            for (const c of s.all(CONTAINER)) expect(c.options.providerRef).toContain("pulumi:providers:docker::docker");
        });
        test("the network has a fixed name and is deleted before its replacement is created", () => {
            const network = s.one(NETWORK);
            expect(network.inputs.name).toBe(`eth-node-${stackName}`);
            expect(network.options.deleteBeforeReplace).toBe(true);
        });
        test("every container has a fixed name and is deleted before its replacement is created", () => {
            // Incl. the one-shot volume owners and the monitoring containers: 3 node + 2 owners + 6 monitoring.
            const containers = s.all(CONTAINER);
            expect(containers).toHaveLength(11);
            for (const c of containers) {
                expect(c.inputs.name).toMatch(new RegExp(`^eth-node-${stackName}-`));
                expect({ container: c.inputs.name, deleteBeforeReplace: c.options.deleteBeforeReplace }).toEqual({
                    container: c.inputs.name,
                    deleteBeforeReplace: true,
                });
            }
        });
    });
});

/** The port a container listens on for its metrics, read from its own command line, environment or config file. */
function metricsListenPort(c: Record<string, any>): string | undefined {
    const command: string[] = c.command ?? [];
    const fromAddress = (address: string | undefined) => address?.split(":").pop();
    const loki = (c.uploads ?? []).find((u: any) => u.file.endsWith("/loki.yaml"));
    return (
        flagValue(command, "--metrics.port") ??
        flagValue(command, "--monitoring-port") ??
        fromAddress(flagValue(command, "--web.listen-address")) ??
        fromAddress(flagValue(command, "--server.http.listen-addr")) ??
        fromAddress((c.envs ?? []).find((e: string) => e.startsWith("PEER_MONITOR_LISTEN="))?.split("=")[1]) ??
        (loki ? String(parseYaml(loki.content).server.http_listen_port) : undefined)
    );
}

test("every scrape target is an alias on the network and the port that container serves metrics on", async () => {
    const s = await declareStack("dev", {});
    const prometheusYml = revealSecrets(s.container("prometheus").inputs.uploads).find((u: any) => u.file.endsWith("/prometheus.yml")).content;
    const jobs = parseYaml(prometheusYml).scrape_configs as Array<{ job_name: string; static_configs: Array<{ targets: string[] }> }>;
    expect(jobs.length).toBeGreaterThanOrEqual(8);
    for (const job of jobs) {
        const [host, port] = job.static_configs[0].targets[0].split(":");
        const serving = s.all(CONTAINER).filter((c) => (c.inputs.networksAdvanced ?? []).some((n: any) => n.aliases.includes(host)));
        expect({ job: job.job_name, containers: serving.length }).toEqual({ job: job.job_name, containers: 1 });
        expect({ job: job.job_name, port: metricsListenPort(revealSecrets(serving[0].inputs)) }).toEqual({ job: job.job_name, port });
    }
});

test("the peer monitor is wired to the Geth WebSocket and beacon API the clients serve, and listens where it is published and scraped", async () => {
    const s = await declareStack("dev", {});
    const geth = s.container("geth").inputs;
    const prysm = s.container("prysm").inputs;
    const monitor = s.container("peer-monitor").inputs;
    const env = Object.fromEntries((monitor.envs as string[]).map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));
    const el = new URL(env.PEER_MONITOR_EL_URL);
    expect([el.protocol, el.hostname, el.port]).toEqual(["ws:", geth.networksAdvanced[0].aliases[0], flagValue(geth.command, "--ws.port")]);
    const cl = new URL(env.PEER_MONITOR_CL_URL);
    expect([cl.protocol, cl.hostname, cl.port]).toEqual(["http:", prysm.networksAdvanced[0].aliases[0], flagValue(prysm.command, "--http-port")]);
    const listenPort = env.PEER_MONITOR_LISTEN.split(":")[1];
    expect(env.PEER_MONITOR_LISTEN).toBe(`0.0.0.0:${listenPort}`);
    expect(monitor.ports.map((p: any) => String(p.internal))).toEqual([listenPort]);
    expect(String(scrapeTargetOf("peerMonitor").port)).toBe(listenPort);
    // The Dockerfile's defaults (EXPOSE, listen address) follow the same port through a build arg.
    expect(s.one(IMAGE).inputs.build.args.LISTEN_PORT).toBe(listenPort);
});

test("remote Docker host goes to the explicit provider", async () => {
    const s = await declareStack("remote", { dockerHost: "ssh://ops@node1.example.org" });
    expect(s.one("pulumi:providers:docker").inputs.host).toBe("ssh://ops@node1.example.org");
});
