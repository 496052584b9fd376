/**
 * The validator tracker's declarations under Pulumi mocks (NATS, valtrack's sentry and consumer): off by default,
 * and when on its containers, volumes, ports, flags and secrets; and the rendered nats-server config run by the
 * real nats-server of the pinned version (login with the password whose bcrypt hash it holds; JetStream on its
 * store directory).
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { SERVICES, containerName, specOf } from "../components/services";
import {
    API_TOKEN_FILE,
    CONSUMER_NAME,
    CONSUMER_WAIT_SECONDS,
    NATS_CONFIG_FILE,
    NATS_PASSWORD_FILE,
    NATS_USER,
    VALTRACK_SOURCE_DIR,
    natsServerConfig,
    valtrackImageName,
} from "../components/validatorTracker";
import { CONTAINER, DeclaredStack, VOLUME, declareStack, flagValue } from "./harness";
import { IMAGE, isSecretEnvelope, plaintextPaths, revealSecrets, valueOf, withoutSecrets } from "./mocks";
import { describeWithTools, tempDir } from "./monitoringTools";
import { freePort } from "./lib/local";

const RANDOM_PASSWORD = "random:index/randomPassword:RandomPassword";
const TRACKER_SUFFIXES = ["nats", "valtrack-sentry", "valtrack-consumer"];
const ON = { validatorTracker: "true" };

/** The container's port bindings as `ip:host->container/protocol`. */
const published = (c: Record<string, any>) => (c.ports ?? []).map((p: any) => `${p.ip}:${p.external}->${p.internal}/${p.protocol}`).sort();

test("off by default: no tracker resource at all", async () => {
    const s = await declareStack("off", {});
    expect(s.config.validatorTracker.enabled).toBe(false);
    expect(s.node.validatorTracker).toBeUndefined();
    const names = s.all(CONTAINER).map((c) => c.inputs.name as string);
    for (const suffix of TRACKER_SUFFIXES) expect(names.filter((n) => n.startsWith(`eth-node-off-${suffix}`))).toEqual([]);
    expect(s.all(VOLUME).filter((v) => /nats|valtrack/.test(v.inputs.name))).toEqual([]);
    expect(s.all(IMAGE).map((i) => i.inputs.imageName)).toEqual([expect.stringMatching(/^eth-node\/peer-monitor:/)]);
    expect(s.all(RANDOM_PASSWORD).map((r) => r.name).sort()).toEqual(["monitoring-grafana-admin", "node-engine-jwt"]);
    expect(s.resources.some((r) => r.type === "eth-node:index:ValidatorTracker")).toBe(false);
});

describe("on (the dev stack's setting)", () => {
    const stackName = "vt";
    let s: DeclaredStack;
    let nats: Record<string, any>;
    let sentry: Record<string, any>;
    let consumer: Record<string, any>;
    let natsConfig: string;
    const secretOf = (resourceName: string) => s.one(RANDOM_PASSWORD, resourceName).state as { result: string; bcryptHash: string };
    const uploads = (c: Record<string, any>) => revealSecrets(c.uploads) as Array<Record<string, string>>;
    const upload = (c: Record<string, any>, file: string) => uploads(c).find((u) => u.file === file)!;

    beforeAll(async () => {
        s = await declareStack(stackName, ON);
        nats = s.container("nats").inputs;
        sentry = s.container("valtrack-sentry").inputs;
        consumer = s.container("valtrack-consumer").inputs;
        natsConfig = upload(nats, NATS_CONFIG_FILE).content;
    });

    test("no container of the stack has both uploaded files and a read-only root filesystem (Docker refuses to copy into one)", () => {
        const both = s.all(CONTAINER).filter((c) => c.inputs.readOnly === true && (revealSecrets(c.inputs.uploads) ?? []).length > 0);
        expect(both.map((c) => c.inputs.name)).toEqual([]);
        // The check sees read-only containers at all: the peer monitor's root filesystem is read-only.
        expect(s.container("peer-monitor").inputs.readOnly).toBe(true);
    });

    test("the consumer is created only once healthy (wait), checked every 2 s while it starts: the sentry is created after it", () => {
        expect({ wait: consumer.wait, waitTimeout: consumer.waitTimeout }).toEqual({ wait: true, waitTimeout: CONSUMER_WAIT_SECONDS });
        expect(consumer.healthcheck.startInterval).toBe("2s");
        expect(s.container("valtrack-sentry").options.dependencies.some((urn) => urn.endsWith("::validator-tracker-consumer"))).toBe(true);
    });

    test("three services and two one-shot volume owners, on the node's network by their registry aliases", () => {
        for (const [suffix, id] of [["nats", "nats"], ["valtrack-sentry", "valtrackSentry"], ["valtrack-consumer", "valtrackConsumer"]] as const) {
            const c = s.container(suffix).inputs;
            expect(c.name).toBe(containerName(stackName, id));
            expect(c.networksAdvanced).toEqual([{ name: `eth-node-${stackName}`, aliases: [specOf(id).alias] }]);
        }
        expect(s.all(CONTAINER).map((c) => c.inputs.name).filter((n: string) => n.endsWith("-data-owner"))).toEqual(
            expect.arrayContaining([`eth-node-${stackName}-nats-data-owner`, `eth-node-${stackName}-valtrack-consumer-data-owner`]),
        );
    });

    test.each(["nats", "valtrack-sentry", "valtrack-consumer"])("%s: hardened like the clients, with a healthcheck and its own non-root user", (suffix) => {
        const r = s.container(suffix);
        const c = r.inputs;
        expect(c.restart).toBe("unless-stopped");
        expect(c.securityOpts).toEqual(["no-new-privileges:true"]);
        expect(c.capabilities).toEqual({ drops: ["ALL"] });
        expect(c.logDriver).toBe("json-file");
        expect(c.logOpts).toEqual({ "max-size": "50m", "max-file": "5", labels: "eth-node.stack,eth-node.role" });
        expect(c.user).toMatch(/^100\d\d:100\d\d$/);
        expect(c.healthcheck.tests[0]).toBe("CMD");
        expect(c.stopTimeout).toBeGreaterThanOrEqual(10);
        expect(r.options.deleteBeforeReplace).toBe(true);
        expect(r.options.parentUrn).toContain("eth-node:index:ValidatorTracker::validator-tracker");
        expect(r.options.providerRef).toContain("pulumi:providers:docker::docker");
    });

    test("the healthchecks probe each service's own health endpoint on its registry port", () => {
        expect(nats.healthcheck.tests).toEqual(["CMD", "wget", "-q", "--spider", `http://127.0.0.1:${SERVICES.nats.ports.monitoring}/healthz`]);
        for (const [c, port] of [[sentry, SERVICES.valtrackSentry.ports.metrics], [consumer, SERVICES.valtrackConsumer.ports.metrics]] as const) {
            expect(c.healthcheck.tests.slice(0, 3)).toEqual(["CMD", "node", "-e"]);
            expect(c.healthcheck.tests[3]).toContain(`http://127.0.0.1:${port}/healthz`);
            // …which is where the role serves /healthz.
            expect(flagValue(c.command, "--metrics-addr")).toBe(`0.0.0.0:${port}`);
        }
    });

    test("users: each service's registry user, distinct from the node's clients", () => {
        const users = ["nats", "valtrack-sentry", "valtrack-consumer", "geth", "prysm", "peer-monitor"].map((x) => s.container(x).inputs.user);
        expect(new Set(users).size).toBe(users.length);
        expect(nats.user).toBe(`${SERVICES.nats.user.uid}:${SERVICES.nats.user.gid}`);
    });

    describe("volumes", () => {
        const volume = (suffix: string) => s.all(VOLUME).find((v) => v.inputs.name === `eth-node-${stackName}-${suffix}-data`)!;
        test("the NATS store and the parquet parts survive destroy, like chain data, unless deletion is opted in", async () => {
            for (const suffix of ["nats", "valtrack-consumer"]) expect(volume(suffix).options.retainOnDelete).toBe(true);
            const d = await declareStack("vtdel", { ...ON, deleteVolumesOnDestroy: "true" });
            for (const suffix of ["nats", "valtrack-consumer"]) {
                expect(d.all(VOLUME).find((v) => v.inputs.name === `eth-node-vtdel-${suffix}-data`)!.options.retainOnDelete).toBe(false);
            }
        });
        test("mounted where NATS stores JetStream and where the consumer writes, and handed to their users first", () => {
            expect(nats.volumes).toEqual([{ volumeName: `eth-node-${stackName}-nats-data`, containerPath: SERVICES.nats.dataDir }]);
            expect(natsConfig).toMatch(new RegExp(`jetstream \\{\\n  store_dir: "${SERVICES.nats.dataDir}"\\n\\}`));
            expect(consumer.volumes).toEqual([{ volumeName: `eth-node-${stackName}-valtrack-consumer-data`, containerPath: flagValue(consumer.command, "--data-dir") }]);
            for (const [suffix, owner] of [["nats", "validator-tracker-nats-data-owner"], ["valtrack-consumer", "validator-tracker-consumer-data-owner"]]) {
                const init = s.container(`${suffix}-data-owner`).inputs;
                expect(init.command).toEqual([s.container(suffix).inputs.user, "/volume"]);
                expect(s.container(suffix).options.dependencies.some((urn) => urn.endsWith(`::${owner}`))).toBe(true);
            }
            expect(sentry.volumes ?? []).toEqual([]);
            // Its password is an upload, which Docker cannot copy into a read-only root filesystem.
            expect(sentry.readOnly).toBeUndefined();
        });
    });

    describe("ports", () => {
        test("defaults: the sentry's P2P on all interfaces, the API on bindAddress, nothing of NATS published", () => {
            const t = s.config.validatorTracker;
            expect(published(sentry)).toEqual([`0.0.0.0:${t.p2pTcpPort}->${t.p2pTcpPort}/tcp`, `0.0.0.0:${t.p2pUdpPort}->${t.p2pUdpPort}/udp`].sort());
            expect(published(consumer)).toEqual([`${s.config.bindAddress}:${t.apiPort}->${SERVICES.valtrackConsumer.ports.api}/tcp`]);
            expect(published(nats)).toEqual([]);
        });
        test("configured ports and bindAddress; the sentry listens on (and so advertises) the published ports, the consumer serves the API where it is published", async () => {
            const d = await declareStack("vtports", { ...ON, bindAddress: "10.1.2.3", validatorTrackerP2pTcpPort: "19000", validatorTrackerP2pUdpPort: "19001", validatorTrackerApiPort: "19120" });
            const sen = d.container("valtrack-sentry").inputs;
            const con = d.container("valtrack-consumer").inputs;
            expect(published(sen)).toEqual(["0.0.0.0:19000->19000/tcp", "0.0.0.0:19001->19001/udp"]);
            expect([flagValue(sen.command, "--p2p-tcp-port"), flagValue(sen.command, "--discv5-port"), flagValue(sen.command, "--listen-ip")]).toEqual(["19000", "19001", "0.0.0.0"]);
            expect(published(con)).toEqual([`10.1.2.3:19120->${SERVICES.valtrackConsumer.ports.api}/tcp`]);
            expect(flagValue(con.command, "--api")).toBe(`0.0.0.0:${SERVICES.valtrackConsumer.ports.api}`);
            expect(d.node.validatorTracker!.apiUrl).toBe("http://10.1.2.3:19120");
        });
        test("only P2P ports face all interfaces, across the whole stack", () => {
            const p2p = new Set([s.config.ports.elP2p, s.config.ports.clP2pTcp, s.config.ports.clP2pUdp, s.config.ports.clP2pQuic, s.config.validatorTracker.p2pTcpPort, s.config.validatorTracker.p2pUdpPort]);
            for (const c of s.all(CONTAINER)) {
                for (const p of c.inputs.ports ?? []) if (p.ip !== s.config.bindAddress) expect({ c: c.inputs.name, port: p.external, p2p: p2p.has(p.external) }).toEqual({ c: c.inputs.name, port: p.external, p2p: true });
            }
        });
    });

    describe("wiring", () => {
        test("both roles dial NATS at its alias and the client port of its config, and log in as its one user", () => {
            const listen = /^listen: "0\.0\.0\.0:(\d+)"$/m.exec(natsConfig)![1];
            for (const c of [sentry, consumer]) {
                const url = new URL(flagValue(c.command, "--nats")!);
                expect([url.protocol, url.hostname, url.port]).toEqual(["nats:", nats.networksAdvanced[0].aliases[0], listen]);
                expect(flagValue(c.command, "--nats-user")).toBe(NATS_USER);
                expect(flagValue(c.command, "--nats-password-file")).toBe(NATS_PASSWORD_FILE);
            }
            expect(natsConfig).toContain(`{ user: "${NATS_USER}", password: "`);
            expect(nats.entrypoints).toEqual(["nats-server"]);
            expect(nats.command).toEqual(["--config", NATS_CONFIG_FILE]);
            expect(nats.image).toBe(s.config.validatorTracker.natsImage);
        });
        test("the sentry's beacon node is a bootnode: --bootnode-from is the beacon API's alias and port", () => {
            const prysm = s.container("prysm").inputs;
            const url = new URL(flagValue(sentry.command, "--bootnode-from")!);
            expect([url.protocol, url.hostname, url.port]).toEqual(["http:", prysm.networksAdvanced[0].aliases[0], flagValue(prysm.command, "--http-port")]);
            expect(s.container("valtrack-sentry").options.dependencies).toContain(`urn:pulumi:${stackName}::eth-node::eth-node:index:BeaconNode$docker:index/container:Container::beacon`);
        });
        test("the sentry: network, dial concurrency, the network's bootnodes unless overridden", () => {
            expect(sentry.command[0]).toBe("sentry");
            expect(flagValue(sentry.command, "--network")).toBe(s.config.network);
            expect(flagValue(sentry.command, "--dial-concurrency")).toBe(String(s.config.validatorTracker.dialConcurrency));
            expect(flagValue(sentry.command, "--bootnodes")).toBeUndefined();
            expect(flagValue(sentry.command, "--external-ip")).toBeUndefined();
        });
        test("overrides: bootnodes, dial concurrency, network; an IPv4 externalIp is advertised, an IPv6 one left to discv5", async () => {
            const [a, b] = valtrackBootnodes("hoodi").slice(0, 2);
            const d = await declareStack("vtover", { ...ON, network: "hoodi", validatorTrackerBootnodes: `${a}, ${b}`, validatorTrackerDialConcurrency: "8", externalIp: "203.0.113.7" });
            const cmd: string[] = d.container("valtrack-sentry").inputs.command;
            expect([flagValue(cmd, "--network"), flagValue(cmd, "--bootnodes"), flagValue(cmd, "--dial-concurrency"), flagValue(cmd, "--external-ip")]).toEqual(["hoodi", `${a},${b}`, "8", "203.0.113.7"]);
            expect(flagValue(cmd, "--bootnode-from")).toBe(d.node.beacon.apiUrl);
            const v6 = await declareStack("vtv6", { ...ON, externalIp: "2001:db8::7" });
            expect(flagValue(v6.container("valtrack-sentry").inputs.command, "--external-ip")).toBeUndefined();
        });
        test("the consumer: durable name, data dir on its volume, API with its token file; started after NATS, before the sentry", () => {
            expect(consumer.command[0]).toBe("consumer");
            expect(flagValue(consumer.command, "--name")).toBe(CONSUMER_NAME);
            expect(flagValue(consumer.command, "--api-token-file")).toBe(API_TOKEN_FILE);
            expect(s.container("valtrack-consumer").options.dependencies.some((urn) => urn.endsWith("::validator-tracker-nats"))).toBe(true);
            expect(s.container("valtrack-sentry").options.dependencies.some((urn) => urn.endsWith("::validator-tracker-consumer"))).toBe(true);
        });
    });

    describe("image", () => {
        test("one image built from ./valtrack on the configured base, tagged with its package version, never pushed", async () => {
            const d = await declareStack("vtimg", { ...ON, validatorTrackerBaseImage: "eth-node-local/node:24" });
            const image = d.all(IMAGE).find((i) => i.inputs.build.context === VALTRACK_SOURCE_DIR)!.inputs;
            const pkg = JSON.parse(fs.readFileSync(path.join(VALTRACK_SOURCE_DIR, "package.json"), "utf8"));
            expect(image.imageName).toBe(`eth-node/valtrack:${pkg.version}`);
            expect(valtrackImageName()).toBe(image.imageName);
            expect(image.skipPush).toBe(true);
            expect(image.build.dockerfile).toBe(path.join(VALTRACK_SOURCE_DIR, "Dockerfile"));
            expect(image.build.args).toEqual({ BASE_IMAGE: "eth-node-local/node:24" });
        });
        test("the sentry and the consumer run the image's repoDigest, not its tag (a source change replaces them)", () => {
            const image = s.all(IMAGE).find((i) => i.inputs.build.context === VALTRACK_SOURCE_DIR)!;
            expect(image.state.repoDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
            expect(sentry.image).toBe(image.state.repoDigest);
            expect(consumer.image).toBe(image.state.repoDigest);
        });
        test("the Dockerfile: its BASE_IMAGE default is the config default, its entrypoint runs valtrack, it is non-root", () => {
            const dockerfile = fs.readFileSync(path.join(VALTRACK_SOURCE_DIR, "Dockerfile"), "utf8");
            expect(dockerfile).toMatch(new RegExp(`^ARG BASE_IMAGE=${s.config.validatorTracker.baseImage.replace(/[.]/g, "\\.")}$`, "m"));
            expect(dockerfile).toMatch(/^ENTRYPOINT \["node", "--max-semi-space-size=4", "dist\/main\.js"\]$/m);
            const user = /^USER (\d+):(\d+)$/m.exec(dockerfile);
            expect(Number(user?.[1])).toBeGreaterThan(0);
            const ignored = fs.readFileSync(path.join(VALTRACK_SOURCE_DIR, ".dockerignore"), "utf8").split("\n");
            expect(ignored).toEqual(expect.arrayContaining(["node_modules", "dist"]));
        });
    });

    describe("secrets", () => {
        test("two generated secrets: the NATS password and the API token, distinct", () => {
            expect(s.all(RANDOM_PASSWORD).map((r) => r.name).sort()).toEqual(["monitoring-grafana-admin", "node-engine-jwt", "validator-tracker-api-token", "validator-tracker-nats-password"]);
            const pw = secretOf("validator-tracker-nats-password");
            const token = secretOf("validator-tracker-api-token");
            expect(pw.result).not.toBe(token.result);
            for (const name of ["validator-tracker-nats-password", "validator-tracker-api-token"]) {
                expect(s.one(RANDOM_PASSWORD, name).inputs).toMatchObject({ length: 32, special: false });
            }
        });
        test("delivered as files readable only by their service's user: the password to both roles, the token to the consumer only", () => {
            const pw = secretOf("validator-tracker-nats-password").result;
            const token = secretOf("validator-tracker-api-token").result;
            const ownerOf = (c: Record<string, any>) => c.user.split(":");
            expect(uploads(sentry)).toEqual([{ file: NATS_PASSWORD_FILE, content: pw, owner: ownerOf(sentry)[0], group: ownerOf(sentry)[1], permissions: "0400" }]);
            expect(uploads(consumer).map((u) => [u.file, u.content, `${u.owner}:${u.group}`, u.permissions])).toEqual([
                [NATS_PASSWORD_FILE, pw, consumer.user, "0400"],
                [API_TOKEN_FILE, token, consumer.user, "0400"],
            ]);
            expect(uploads(nats).map((u) => [u.file, `${u.owner}:${u.group}`, u.permissions])).toEqual([[NATS_CONFIG_FILE, nats.user, "0400"]]);
        });
        test("NATS's config holds the password's bcrypt hash, never the password", () => {
            const { result, bcryptHash } = secretOf("validator-tracker-nats-password");
            expect(natsConfig).toContain(`password: "${bcryptHash}"`);
            expect(natsConfig).not.toContain(result);
        });
        test("every upload that carries one is a Pulumi secret, and no resource input holds either in plaintext", () => {
            for (const c of [nats, sentry, consumer]) expect(isSecretEnvelope(c.uploads)).toBe(true);
            const { result: pw, bcryptHash } = secretOf("validator-tracker-nats-password");
            const token = secretOf("validator-tracker-api-token").result;
            for (const r of s.resources) {
                const plain = JSON.stringify(withoutSecrets(r.inputs));
                for (const secret of [pw, bcryptHash, token]) expect({ resource: r.name, leaks: plain.includes(secret) }).toEqual({ resource: r.name, leaks: false });
            }
            // Never on a command line or in the environment (`docker inspect` shows both).
            for (const c of [nats, sentry, consumer]) expect(JSON.stringify([c.command, c.envs ?? []])).not.toMatch(new RegExp(`${pw}|${token}`));
        });
        test("no property of the component holds them outside a secret; the token is a secret output", async () => {
            const tracker = s.node.validatorTracker!;
            const { result: pw, bcryptHash } = secretOf("validator-tracker-nats-password");
            const token = secretOf("validator-tracker-api-token").result;
            expect(await plaintextPaths(tracker, [pw, bcryptHash, token])).toEqual([]);
            expect(await pulumi.isSecret(tracker.apiToken)).toBe(true);
            expect(await valueOf(tracker.apiToken)).toBe(token);
        });
    });

    test("every container of the stack has a fixed name and is deleted before its replacement (11 node and monitoring, 3 tracker, 2 owners)", () => {
        expect(s.all(CONTAINER)).toHaveLength(16);
        for (const c of s.all(CONTAINER)) expect({ c: c.inputs.name, dbr: c.options.deleteBeforeReplace }).toEqual({ c: c.inputs.name, dbr: true });
    });
});

/** The built-in bootnodes of a network, read from valtrack's own list (not copied here). */
function valtrackBootnodes(network: string): string[] {
    const source = fs.readFileSync(path.join(VALTRACK_SOURCE_DIR, "src", "discovery", "bootnodes.ts"), "utf8");
    const block = new RegExp(`^  ${network}: \\[([^\\]]*)\\]`, "m").exec(source)![1];
    return [...block.matchAll(/'(enr:[^']+)'/g)].map((m) => m[1]);
}

// --- the rendered config on the real nats-server ---------------------------------------------------------------

const PASSWORD = "valtrack-test-password";
/** bcrypt (cost 10) of PASSWORD, made with golang.org/x/crypto/bcrypt (what the random provider's bcrypt_hash uses). */
const PASSWORD_BCRYPT = "$2a$10$EFMy2HQmz4rzq1UjNJDNoOr5GqsV0.oNdspJ6JzeELvNY0EpVh1jS";

/** One NATS protocol login (INFO, CONNECT with user and password, PING): the server's first answer line. */
function login(port: number, user: string, pass: string): Promise<string> {
    return new Promise((resolve, reject) => {
        const socket = net.connect(port, "127.0.0.1");
        let buffer = "";
        let sent = false;
        socket.setTimeout(5000, () => socket.destroy(new Error("no answer")));
        socket.on("error", reject);
        socket.on("data", (chunk) => {
            buffer += chunk.toString();
            const lines = buffer.split("\r\n");
            buffer = lines.pop()!;
            for (const line of lines) {
                if (line.startsWith("INFO ") && !sent) {
                    sent = true;
                    socket.write(`CONNECT ${JSON.stringify({ verbose: false, pedantic: false, user, pass })}\r\nPING\r\n`);
                } else if (sent) {
                    socket.end();
                    resolve(line);
                    return;
                }
            }
        });
    });
}

describeWithTools(["nats-server"], "the rendered config on the real nats-server", () => {
    let dir: string;
    let client: number;
    let monitoring: number;
    let server: ReturnType<typeof spawn>;
    let output = "";

    beforeAll(async () => {
        dir = tempDir("nats");
        [client, monitoring] = [await freePort(), await freePort()];
        const store = path.join(dir, "store");
        const config = path.join(dir, "nats-server.conf");
        fs.writeFileSync(config, natsServerConfig({ serverName: "eth-node-test-nats", clientPort: client, monitoringPort: monitoring, storeDir: store, user: NATS_USER, passwordBcrypt: PASSWORD_BCRYPT }));
        server = spawn("nats-server", ["--config", config], { stdio: ["ignore", "pipe", "pipe"] });
        await new Promise<void>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`nats-server not ready:\n${output}`)), 15000);
            const onData = (d: Buffer) => {
                output += d.toString();
                if (output.includes("Server is ready")) {
                    clearTimeout(timer);
                    resolve();
                }
            };
            server.stdout!.on("data", onData);
            server.stderr!.on("data", onData);
            server.once("exit", (code) => reject(new Error(`nats-server exited ${code}:\n${output}`)));
        });
    });
    afterAll(async () => {
        if (server && server.exitCode === null) {
            const exited = new Promise((r) => server.once("exit", r));
            server.kill("SIGTERM");
            await exited;
        }
        fs.rmSync(dir, { recursive: true, force: true });
    });

    test("nats-server -t accepts it", async () => {
        const config = path.join(dir, "check.conf");
        fs.writeFileSync(config, natsServerConfig({ serverName: "x", clientPort: 4222, monitoringPort: 8222, storeDir: path.join(dir, "s2"), user: NATS_USER, passwordBcrypt: PASSWORD_BCRYPT }));
        const check = spawn("nats-server", ["-t", "--config", config]);
        let text = "";
        check.stdout.on("data", (d) => (text += d));
        check.stderr.on("data", (d) => (text += d));
        const code = await new Promise((r) => check.once("exit", r));
        expect({ code, text }).toEqual({ code: 0, text: expect.stringContaining("configuration file") });
    });

    test("the user logs in with the password whose hash the config holds; a wrong password or another user does not", async () => {
        expect(await login(client, NATS_USER, PASSWORD)).toBe("PONG");
        expect(await login(client, NATS_USER, "not-the-password")).toMatch(/^-ERR 'Authorization Violation'/);
        expect(await login(client, "someone", PASSWORD)).toMatch(/^-ERR 'Authorization Violation'/);
    });

    test("JetStream stores on the configured directory; the monitoring endpoint is healthy", async () => {
        const health = await fetch(`http://127.0.0.1:${monitoring}/healthz`);
        expect(health.status).toBe(200);
        const jsz = (await (await fetch(`http://127.0.0.1:${monitoring}/jsz`)).json()) as { config?: { store_dir?: string } };
        // nats-server keeps JetStream in a `jetstream` directory below store_dir.
        expect(jsz.config?.store_dir).toBe(path.join(dir, "store", "jetstream"));
        const varz = (await (await fetch(`http://127.0.0.1:${monitoring}/varz`)).json()) as { server_name: string; auth_required: boolean };
        expect(varz).toMatchObject({ server_name: "eth-node-test-nats", auth_required: true });
    });
});

test("natsServerConfig refuses anything but a bcrypt hash (the plaintext must never be written there)", () => {
    const args = { serverName: "s", clientPort: 1, monitoringPort: 2, storeDir: "/d", user: "u" };
    expect(() => natsServerConfig({ ...args, passwordBcrypt: PASSWORD })).toThrow("not a bcrypt hash");
    expect(natsServerConfig({ ...args, passwordBcrypt: PASSWORD_BCRYPT })).toContain(`password: "${PASSWORD_BCRYPT}"`);
});
