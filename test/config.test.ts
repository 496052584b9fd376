import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { CONFIG_KEYS, ConfigError, DEFAULT_CHECKPOINT_SYNC_URLS, DEFAULT_IMAGES, DEFAULT_VALIDATOR_TRACKER_IMAGES, parseNodeConfig } from "../components/config";
import { MONITORING_CONFIG_KEYS, SECRET_CONFIG_KEYS } from "../components/monitoringConfig";
import { SERVICES } from "../components/services";
import { configFromValues } from "./harness";
import { valueOf } from "./mocks";

const parse = configFromValues;

/** Runs parse and returns the one ConfigError it throws. */
function configError(values: Record<string, string>): ConfigError {
    try {
        parse(values);
    } catch (err) {
        if (err instanceof ConfigError) return err;
        throw err;
    }
    throw new Error(`expected a ConfigError for ${JSON.stringify(values)}`);
}

describe("defaults", () => {
    const config = parse({});
    test("the documented defaults: network, pinned client releases, bind address", () => {
        expect(config.network).toBe(CONFIG_KEYS.network);
        expect(config.images).toEqual({ geth: CONFIG_KEYS.gethImage, prysm: CONFIG_KEYS.prysmImage });
        expect(config.bindAddress).toBe(CONFIG_KEYS.bindAddress);
        for (const image of Object.values(DEFAULT_IMAGES)) expect(image).toMatch(/:v\d+\.\d+\.\d+$/);
    });
    test("checkpoint sync on, from the network's default provider", () => {
        expect(config.checkpointSyncUrl).toBe(DEFAULT_CHECKPOINT_SYNC_URLS.mainnet);
        expect(parse({ network: "hoodi" }).checkpointSyncUrl).toBe(DEFAULT_CHECKPOINT_SYNC_URLS.hoodi);
    });
    test("volumes kept on destroy; readiness check on", () => {
        expect(config.deleteVolumesOnDestroy).toBe(false);
        expect(config.readiness).toEqual({ enabled: true, timeoutSeconds: Number(CONFIG_KEYS.readinessTimeoutSeconds) });
    });
    test("each published port defaults to the service's own port in the registry", () => {
        const { execution, beacon, peerMonitor, prometheus, alertmanager, grafana } = SERVICES;
        expect(config.ports).toEqual({
            elP2p: execution.ports.p2p,
            clP2pTcp: beacon.ports.p2pTcp,
            clP2pUdp: beacon.ports.p2pUdp,
            clP2pQuic: beacon.ports.p2pQuic,
            elRpc: execution.ports.http,
            clApi: beacon.ports.http,
            peerMonitor: peerMonitor.ports.http,
            prometheus: prometheus.ports.http,
            alertmanager: alertmanager.ports.http,
            grafana: grafana.ports.http,
        });
    });
    test("every key read is documented with its default, and every documented key is read", () => {
        const read: string[] = [];
        const readSecret: string[] = [];
        parseNodeConfig(
            (key) => {
                read.push(key);
                return undefined;
            },
            (key) => {
                readSecret.push(key);
                return undefined;
            },
        );
        expect(new Set(read)).toEqual(new Set([...Object.keys(CONFIG_KEYS), ...Object.keys(MONITORING_CONFIG_KEYS)]));
        // Secret keys never go through the plain reader, and only they go through the secret one.
        expect(new Set(readSecret)).toEqual(new Set(Object.keys(SECRET_CONFIG_KEYS)));
    });
});

describe("peer monitor base image", () => {
    const dockerfile = fs.readFileSync(path.join(__dirname, "..", "peer-monitor", "Dockerfile"), "utf8");
    const engines = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "peer-monitor", "package.json"), "utf8")).engines.node as string;
    test("the default is the Dockerfile's own BASE_IMAGE default", () => {
        expect(dockerfile).toMatch(new RegExp(`^ARG BASE_IMAGE=${CONFIG_KEYS.peerMonitorBaseImage.replace(/[.]/g, "\\.")}$`, "m"));
        expect(parse({}).peerMonitorBaseImage).toBe(CONFIG_KEYS.peerMonitorBaseImage);
    });
    test("the default's Node.js major satisfies the service's engines and is an LTS (even) release", () => {
        const major = Number(/^node:(\d+)-/.exec(CONFIG_KEYS.peerMonitorBaseImage)?.[1]);
        const minimum = Number(/^>=(\d+)$/.exec(engines)?.[1]);
        expect(major).toBeGreaterThanOrEqual(minimum);
        expect(major % 2).toBe(0);
    });
});

describe("validator tracker", () => {
    /** Real ENRs: valtrack's own list of hoodi's bootnodes (read, not copied). */
    const enrs = [...fs.readFileSync(path.join(__dirname, "..", "valtrack", "src", "discovery", "bootnodes.ts"), "utf8").matchAll(/'(enr:[^']+)'/g)].map((m) => m[1]);
    test("off by default; its keys have their documented defaults, the ports the registry's", () => {
        expect(parse({}).validatorTracker).toEqual({
            enabled: false,
            natsImage: CONFIG_KEYS.natsImage,
            baseImage: CONFIG_KEYS.validatorTrackerBaseImage,
            p2pTcpPort: SERVICES.valtrackSentry.ports.p2pTcp,
            p2pUdpPort: SERVICES.valtrackSentry.ports.p2pUdp,
            apiPort: SERVICES.valtrackConsumer.ports.api,
            bootnodes: undefined,
            dialConcurrency: Number(CONFIG_KEYS.validatorTrackerDialConcurrency),
        });
        expect(parse({ validatorTracker: "true" }).validatorTracker.enabled).toBe(true);
    });
    test("NATS is pinned to a release, named with its registry (a bare nats:… would read like the nats alias)", () => {
        expect(DEFAULT_VALIDATOR_TRACKER_IMAGES.nats).toMatch(/^docker\.io\/library\/nats:\d+\.\d+\.\d+-alpine$/);
    });
    test("the base image is valtrack's Dockerfile default", () => {
        const dockerfile = fs.readFileSync(path.join(__dirname, "..", "valtrack", "Dockerfile"), "utf8");
        expect(dockerfile).toMatch(new RegExp(`^ARG BASE_IMAGE=${DEFAULT_VALIDATOR_TRACKER_IMAGES.base.replace(/[.]/g, "\\.")}$`, "m"));
    });
    test("bootnodes: comma-separated ENRs, trimmed, in order; dial concurrency; ports", () => {
        expect(enrs.length).toBeGreaterThan(2);
        const t = parse({ validatorTrackerBootnodes: ` ${enrs[0]} ,${enrs[1]}`, validatorTrackerDialConcurrency: "1024", validatorTrackerP2pTcpPort: "19000", validatorTrackerP2pUdpPort: "19000", validatorTrackerApiPort: "19120" }).validatorTracker;
        expect(t).toMatchObject({ bootnodes: [enrs[0], enrs[1]], dialConcurrency: 1024, p2pTcpPort: 19000, p2pUdpPort: 19000, apiPort: 19120 });
        for (const enr of enrs) expect(parse({ validatorTrackerBootnodes: enr }).validatorTracker.bootnodes).toEqual([enr]);
    });
    test("its host ports are checked against the node's only when it is on", () => {
        expect(parse({ validatorTrackerApiPort: CONFIG_KEYS.grafanaPort }).validatorTracker.apiPort).toBe(Number(CONFIG_KEYS.grafanaPort));
        expect(configError({ validatorTracker: "true", validatorTrackerApiPort: CONFIG_KEYS.grafanaPort }).message).toContain("already used by eth-node:grafanaPort");
        expect(configError({ validatorTracker: "true", validatorTrackerP2pUdpPort: CONFIG_KEYS.clP2pUdpPort }).message).toContain(`${CONFIG_KEYS.clP2pUdpPort}/udp is already used by eth-node:clP2pUdpPort`);
        // TCP and UDP on one number do not collide: the defaults are both 9000.
        expect(CONFIG_KEYS.validatorTrackerP2pTcpPort).toBe(CONFIG_KEYS.validatorTrackerP2pUdpPort);
        expect(parse({ validatorTracker: "true" }).validatorTracker.enabled).toBe(true);
    });
    test("a bad value is an error whether the tracker is on or off", () => {
        expect(configError({ validatorTrackerDialConcurrency: "0" }).key).toBe("validatorTrackerDialConcurrency");
        expect(configError({ validatorTracker: "true", natsImage: "nats:latest" }).key).toBe("natsImage");
        expect(configError({ validatorTrackerBootnodes: `${enrs[0]},` }).message).toContain('entry 2 ("") is not an ENR');
        // A record over EIP-778's 300 bytes.
        expect(configError({ validatorTrackerBootnodes: `enr:${Buffer.concat([Buffer.from([0xf9, 0x01, 0x2c]), Buffer.alloc(300)]).toString("base64url")}` }).message).toContain("is not an ENR");
    });
});

describe("secret keys", () => {
    test("a webhook URL set as a plain string comes out as a Pulumi secret, validated and normalised", async () => {
        const config = parse({ alertWebhookUrl: "https://hooks.example.com/token-1/" });
        expect(await pulumi.isSecret(config.monitoring.alertWebhookUrl!)).toBe(true);
        expect(await valueOf(config.monitoring.alertWebhookUrl!)).toBe("https://hooks.example.com/token-1");
    });
    test("a webhook set to the empty string means none, still behind the secret", async () => {
        const config = parse({ alertWebhookUrl: "" });
        expect(await pulumi.isSecret(config.monitoring.alertWebhookUrl!)).toBe(true);
        expect(await valueOf(config.monitoring.alertWebhookUrl!)).toBeUndefined();
    });
    test("unset: no webhook Output at all", () => {
        expect(parse({}).monitoring.alertWebhookUrl).toBeUndefined();
    });
    test("whatever the secret reader hands over (an unsecret Output too) is wrapped as a secret", async () => {
        const config = parseNodeConfig(() => undefined, () => pulumi.output("https://hooks.example.com/plain-output"));
        expect(await pulumi.isSecret(config.monitoring.alertWebhookUrl!)).toBe(true);
    });
});

describe("overrides", () => {
    test("checkpoint sync URL can be overridden and turned off", () => {
        expect(parse({ checkpointSyncUrl: "https://checkpoint.example.org/" }).checkpointSyncUrl).toBe("https://checkpoint.example.org");
        expect(parse({ checkpointSync: "false" }).checkpointSyncUrl).toBeUndefined();
    });
    test("external IP, peers, docker host", () => {
        const config = parse({ externalIp: "203.0.113.7", elMaxPeers: "25", clMaxPeers: "40", dockerHost: "ssh://ops@node1.example.org" });
        expect(config).toMatchObject({ externalIp: "203.0.113.7", elMaxPeers: 25, clMaxPeers: 40, dockerHost: "ssh://ops@node1.example.org" });
    });
    test("a digest-pinned image is accepted", () => {
        const image = `ethereum/client-go@sha256:${"0".repeat(64)}`;
        expect(parse({ gethImage: image }).images.geth).toBe(image);
    });
});

describe("one clear error per bad value, naming key, value and what is allowed", () => {
    const cases: Array<[string, Record<string, string>, string, RegExp]> = [
        ["unknown network", { network: "goerli" }, "network", /one of mainnet, sepolia, hoodi/],
        ["port above 65535", { elRpcPort: "70000" }, "elRpcPort", /1 to 65535/],
        ["port zero", { clApiPort: "0" }, "clApiPort", /1 to 65535/],
        ["port not a number", { elP2pPort: "30303a" }, "elP2pPort", /1 to 65535/],
        ["two services on one host port", { clApiPort: CONFIG_KEYS.elRpcPort }, "clApiPort", /already used by eth-node:elRpcPort/],
        ["P2P UDP collides", { clP2pUdpPort: CONFIG_KEYS.elP2pPort }, "clP2pUdpPort", new RegExp(`${CONFIG_KEYS.elP2pPort}/udp is already used by eth-node:elP2pPort`)],
        ["malformed checkpoint URL", { checkpointSyncUrl: "beaconstate.info" }, "checkpointSyncUrl", /http:\/\/ or https:\/\//],
        ["checkpoint URL with another scheme", { checkpointSyncUrl: "ftp://x.org" }, "checkpointSyncUrl", /http:\/\/ or https:\/\//],
        ["malformed bind address", { bindAddress: "localhost" }, "bindAddress", /IPv4 or IPv6/],
        ["malformed external IP", { externalIp: "203.0.113.300" }, "externalIp", /IPv4 or IPv6/],
        ["floating image tag", { gethImage: "ethereum/client-go:latest" }, "gethImage", /pinned image/],
        ["untagged image", { prysmImage: "gcr.io/offchainlabs/prysm/beacon-chain" }, "prysmImage", /pinned image/],
        ["boolean typo", { deleteVolumesOnDestroy: "yes" }, "deleteVolumesOnDestroy", /true or false/],
        ["max peers out of range", { elMaxPeers: "0" }, "elMaxPeers", /1 to 1000/],
        ["docker host without scheme", { dockerHost: "node1:2375" }, "dockerHost", /ssh:\/\//],
        ["readiness timeout too short", { readinessTimeoutSeconds: "1" }, "readinessTimeoutSeconds", /10 to 86400/],
        ["tracker switch typo", { validatorTracker: "on" }, "validatorTracker", /true or false/],
        ["tracker dial concurrency too high", { validatorTrackerDialConcurrency: "2000" }, "validatorTrackerDialConcurrency", /1 to 1024/],
        ["tracker port zero", { validatorTrackerP2pTcpPort: "0" }, "validatorTrackerP2pTcpPort", /1 to 65535/],
        ["tracker API port not a number", { validatorTrackerApiPort: "api" }, "validatorTrackerApiPort", /1 to 65535/],
        ["NATS image untagged", { natsImage: "nats" }, "natsImage", /pinned image/],
        ["tracker base image floating", { validatorTrackerBaseImage: "node:latest" }, "validatorTrackerBaseImage", /pinned image/],
        ["a bootnode that is not an ENR", { validatorTrackerBootnodes: "enode://abc@1.2.3.4:30303" }, "validatorTrackerBootnodes", /entry 1 \("enode:\/\/abc@1\.2\.3\.4:30303"\) is not an ENR/],
        ["a bootnode with characters outside base64url", { validatorTrackerBootnodes: "enr:-Iu4QLm7+Zz" }, "validatorTrackerBootnodes", /entry 1 .* is not an ENR/],
        ["a bootnode too short for a record", { validatorTrackerBootnodes: "enr:-Iu4QLm7bZGd" }, "validatorTrackerBootnodes", /at most 300 bytes/],
    ];
    test.each(cases)("%s", (_name, values, key, allowed) => {
        const err = configError(values);
        expect(err.key).toBe(key);
        expect(err.message).toContain(`eth-node:${key}`);
        expect(err.message).toContain(JSON.stringify(values[key]));
        expect(err.message).toMatch(allowed);
    });
});
