/**
 * What the program declares for the node (Geth, Prysm, network, JWT, volumes, ports, hygiene), evaluated
 * under Pulumi mocks for a mainnet stack with defaults and a hoodi stack with overrides.
 */
import * as fs from "fs";
import * as path from "path";
import { CONTAINER, DeclaredStack, NETWORK, VOLUME, declareStack, flagValue } from "./harness";
import { nodeMetricsEndpoints } from "../components/stack";
import { MOCK_JWT_HEX, revealSecrets, isSecretEnvelope, withoutSecrets } from "./mocks";

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
            expect(flagValue(geth.command, "--datadir")).toBe("/data");
            expect(geth.volumes).toEqual([{ volumeName: `eth-node-${stackName}-geth-data`, containerPath: "/data" }]);
        });
        test("HTTP JSON-RPC offers eth,net,web3 only", () => {
            expect(geth.command).toContain("--http");
            expect(flagValue(geth.command, "--http.api")).toBe("eth,net,web3");
        });
        test("WebSocket offers admin,net,eth for the peer monitor and is never published", () => {
            expect(flagValue(geth.command, "--ws.api")?.split(",").sort()).toEqual(["admin", "eth", "net"]);
            expect(geth.ports.map((p: any) => p.internal)).not.toContain(8546);
        });
        test("engine API: JWT file, vhost restricted to the private alias, never published", () => {
            expect(flagValue(geth.command, "--authrpc.jwtsecret")).toBe("/secrets/jwt.hex");
            expect(flagValue(geth.command, "--authrpc.vhosts")).toBe("execution");
            expect(flagValue(geth.command, "--authrpc.port")).toBe("8551");
            expect(geth.ports.map((p: any) => p.internal)).not.toContain(8551);
        });
        test("metrics on 6060 through --metrics.addr, not pprof", () => {
            expect(geth.command).toEqual(expect.arrayContaining(["--metrics", "--metrics.addr=0.0.0.0", "--metrics.port=6060"]));
            expect(geth.command.some((a: string) => a.startsWith("--pprof"))).toBe(false);
            expect(s.node.execution.metricsEndpoints).toEqual([
                { job: "geth", alias: "execution", port: 6060, path: "/debug/metrics/prometheus" },
            ]);
        });
        test("P2P 30303 tcp+udp; max peers and external IP from config", () => {
            expect(flagValue(geth.command, "--port")).toBe("30303");
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
            expect(flagValue(prysm.command, "--datadir")).toBe("/data");
            expect(prysm.volumes).toEqual([{ volumeName: `eth-node-${stackName}-prysm-data`, containerPath: "/data" }]);
            expect(flagValue(prysm.command, "--execution-endpoint")).toBe("http://execution:8551");
            expect(flagValue(prysm.command, "--jwt-secret")).toBe("/secrets/jwt.hex");
        });
        test("checkpoint sync from config", () => {
            expect(flagValue(prysm.command, "--checkpoint-sync-url")).toBe(s.config.checkpointSyncUrl);
            expect(flagValue(prysm.command, "--genesis-beacon-api-url")).toBe(s.config.checkpointSyncUrl);
        });
        test("current flag names for API and metrics", () => {
            expect(flagValue(prysm.command, "--http-port")).toBe("3500");
            expect(flagValue(prysm.command, "--http-host")).toBe("0.0.0.0");
            expect(flagValue(prysm.command, "--monitoring-port")).toBe("8080");
            expect(flagValue(prysm.command, "--monitoring-host")).toBe("0.0.0.0");
            expect(prysm.command.some((a: string) => a.startsWith("--grpc-gateway"))).toBe(false);
            expect(s.node.beacon.metricsEndpoints).toEqual([{ job: "prysm", alias: "beacon", port: 8080, path: "/metrics" }]);
        });
        test("P2P ports, QUIC, host IP and max peers", () => {
            expect(flagValue(prysm.command, "--p2p-tcp-port")).toBe("13000");
            expect(flagValue(prysm.command, "--p2p-udp-port")).toBe("12000");
            expect(flagValue(prysm.command, "--p2p-quic-port")).toBe("13000");
            expect(flagValue(prysm.command, "--p2p-max-peers")).toBe(String(s.config.clMaxPeers));
            expect(flagValue(prysm.command, "--p2p-host-ip")).toBe(s.config.externalIp);
        });
    });

    describe("JWT secret", () => {
        test("one RandomBytes of 32 bytes", () => {
            const jwt = s.one("random:index/randomBytes:RandomBytes");
            expect(jwt.inputs.length).toBe(32);
        });
        test("delivered as the same file into both clients, readable only by each client's user", () => {
            const gethJwt = geth.uploads.find((u: any) => u.file === "/secrets/jwt.hex");
            const prysmJwt = prysm.uploads.find((u: any) => u.file === "/secrets/jwt.hex");
            expect(gethJwt).toMatchObject({ content: MOCK_JWT_HEX, owner: "10001", permissions: "0400" });
            expect(prysmJwt).toMatchObject({ content: MOCK_JWT_HEX, owner: "10002", permissions: "0400" });
            expect(MOCK_JWT_HEX).toMatch(/^[0-9a-f]{64}$/);
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
            expect(aliasOf(geth)).toEqual([[`eth-node-${stackName}`, ["execution"]]]);
            expect(aliasOf(prysm)).toEqual([[`eth-node-${stackName}`, ["beacon"]]]);
        });
        test("chain-data volumes survive destroy unless deletion is opted in", () => {
            const volumes = s.all(VOLUME).filter((v) => /-(geth|prysm)-data$/.test(v.inputs.name));
            expect(volumes).toHaveLength(2);
            for (const v of volumes) expect(v.options.retainOnDelete).toBe(!s.config.deleteVolumesOnDestroy);
        });
        test("each data volume is handed to its client's uid before the client starts", () => {
            for (const [suffix, uid] of [["geth", 10001], ["prysm", 10002]] as const) {
                const init = s.container(`${suffix}-data-owner`).inputs;
                expect(init.entrypoints).toEqual(["chown"]);
                expect(init.command).toEqual([`${uid}:${uid}`, "/volume"]);
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
                [`0.0.0.0:${p.elP2p}->30303/tcp`, `0.0.0.0:${p.elP2p}->30303/udp`, `${bind}:${p.elRpc}->8545/tcp`].sort(),
            );
            expect(published(prysm)).toEqual(
                [
                    `0.0.0.0:${p.clP2pTcp}->13000/tcp`,
                    `0.0.0.0:${p.clP2pUdp}->12000/udp`,
                    `0.0.0.0:${p.clP2pQuic}->13000/udp`,
                    `${bind}:${p.clApi}->3500/tcp`,
                ].sort(),
            );
        });
        test("no container publishes anything but P2P on 0.0.0.0, and none publishes engine, ws, gRPC or metrics ports", () => {
            const p2p = new Set([30303, 13000, 12000]);
            for (const c of s.all(CONTAINER)) {
                for (const port of revealSecrets(c.inputs).ports ?? []) {
                    if (port.ip === "0.0.0.0" || port.ip === "::" || port.ip === undefined) expect(p2p.has(port.internal)).toBe(true);
                    expect([8551, 8546, 4000, 6060, 8080]).not.toContain(port.internal);
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
            expect(geth.healthcheck.tests).toEqual(["CMD", "geth", "attach", "--exec", "eth.blockNumber", "http://127.0.0.1:8545"]);
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
    });
});

test("the monitoring stack scrapes what the node's components declare, the same list `npm run render` uses", async () => {
    const s = await declareStack("dev", {});
    const declared = [...s.node.execution.metricsEndpoints, ...s.node.beacon.metricsEndpoints, ...s.node.peerMonitor.metricsEndpoints];
    expect(declared).toEqual(nodeMetricsEndpoints());
    const prometheusYml = s.node.monitoring.files.find((f) => f.renderPath.endsWith("prometheus.yml"))!.content;
    for (const e of declared) expect(prometheusYml).toContain(`${e.alias}:${e.port}`);
});

test("the peer monitor image is built from ./peer-monitor, tagged with its package version, never pushed", async () => {
    const s = await declareStack("dev", {});
    const image = s.one("docker:index/image:Image").inputs;
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "peer-monitor", "package.json"), "utf8"));
    expect(image.imageName).toBe(`eth-node/peer-monitor:${pkg.version}`);
    expect(image.skipPush).toBe(true);
    expect(image.build.context).toBe(path.join(__dirname, "..", "peer-monitor"));
    expect(image.build.args).toEqual({ BASE_IMAGE: "node:20-bookworm-slim" });
    const monitor = s.container("peer-monitor").inputs;
    expect(monitor.image).toBe(image.imageName);
    expect(monitor.envs).toEqual(expect.arrayContaining(["PEER_MONITOR_EL_URL=ws://execution:8546", "PEER_MONITOR_CL_URL=http://beacon:3500"]));
    expect(monitor.readOnly).toBe(true);
    expect(s.node.peerMonitor.metricsEndpoints).toEqual([{ job: "peer-monitor", alias: "peer-monitor", port: 9200, path: "/metrics" }]);
});

test("remote Docker host goes to the explicit provider", async () => {
    const s = await declareStack("remote", { dockerHost: "ssh://ops@node1.example.org" });
    expect(s.one("pulumi:providers:docker").inputs.host).toBe("ssh://ops@node1.example.org");
});
