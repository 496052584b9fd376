import { CONFIG_KEYS, ConfigError, DEFAULT_CHECKPOINT_SYNC_URLS, parseNodeConfig } from "../components/config";
import { MONITORING_CONFIG_KEYS } from "../components/monitoringConfig";

const parse = (values: Record<string, string>) => parseNodeConfig((key) => values[key]);

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
    test("mainnet, pinned client releases, loopback APIs", () => {
        expect(config.network).toBe("mainnet");
        expect(config.images.geth).toBe("ethereum/client-go:v1.17.10");
        expect(config.images.prysm).toBe("gcr.io/offchainlabs/prysm/beacon-chain:v7.1.2");
        expect(config.bindAddress).toBe("127.0.0.1");
    });
    test("checkpoint sync on, from the network's default provider", () => {
        expect(config.checkpointSyncUrl).toBe(DEFAULT_CHECKPOINT_SYNC_URLS.mainnet);
        expect(parse({ network: "hoodi" }).checkpointSyncUrl).toBe(DEFAULT_CHECKPOINT_SYNC_URLS.hoodi);
    });
    test("volumes kept on destroy; readiness check on", () => {
        expect(config.deleteVolumesOnDestroy).toBe(false);
        expect(config.readiness).toEqual({ enabled: true, timeoutSeconds: 600 });
    });
    test("standard ports", () => {
        expect(config.ports).toMatchObject({ elP2p: 30303, clP2pTcp: 13000, clP2pUdp: 12000, clP2pQuic: 13000, elRpc: 8545, clApi: 3500 });
    });
    test("every key read is documented with its default, and every documented key is read", () => {
        const read: string[] = [];
        parseNodeConfig((key) => {
            read.push(key);
            return undefined;
        });
        expect(new Set(read)).toEqual(new Set([...Object.keys(CONFIG_KEYS), ...Object.keys(MONITORING_CONFIG_KEYS)]));
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
        ["two services on one host port", { clApiPort: "8545" }, "clApiPort", /already used by eth-node:elRpcPort/],
        ["P2P UDP collides", { clP2pUdpPort: "30303" }, "clP2pUdpPort", /30303\/udp is already used by eth-node:elP2pPort/],
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
    ];
    test.each(cases)("%s", (_name, values, key, allowed) => {
        const err = configError(values);
        expect(err.key).toBe(key);
        expect(err.message).toContain(`eth-node:${key}`);
        expect(err.message).toContain(JSON.stringify(values[key]));
        expect(err.message).toMatch(allowed);
    });
});
