/**
 * Pulumi.dev.yaml is the documented, complete example: it must parse, name only known keys, and list every
 * key that has a concrete default (the optional ones appear commented out). index.ts is evaluated under mocks
 * with it to check the stack outputs.
 */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";
import { CONFIG_KEYS, CONFIG_NAMESPACE, parseNodeConfig } from "../components/config";
import { MONITORING_CONFIG_KEYS } from "../components/monitoringConfig";
import { setupMocks, valueOf } from "./mocks";

const ROOT = path.join(__dirname, "..");
const devFile = fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8");
const devConfig: Record<string, string> = parseYaml(devFile).config;
const ALL_KEYS: Record<string, string> = { ...CONFIG_KEYS, ...MONITORING_CONFIG_KEYS };

test("Pulumi.yaml names the project eth-node with the nodejs runtime", () => {
    const project = parseYaml(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8"));
    expect(project.name).toBe("eth-node");
    expect(project.runtime.name).toBe("nodejs");
});

test("Pulumi.dev.yaml sets only known keys, each to its documented default", () => {
    for (const [fullKey, value] of Object.entries(devConfig)) {
        const [namespace, key] = fullKey.split(":");
        expect(namespace).toBe(CONFIG_NAMESPACE);
        expect(ALL_KEYS).toHaveProperty(key);
        expect(String(value)).toBe(ALL_KEYS[key]);
    }
});

test("Pulumi.dev.yaml lists every key with a concrete default, and the optional ones as comments", () => {
    for (const [key, def] of Object.entries(ALL_KEYS)) {
        if (def.startsWith("(")) expect(devFile).toMatch(new RegExp(`^\\s*# eth-node:${key}: `, "m"));
        else expect(devConfig).toHaveProperty(`${CONFIG_NAMESPACE}:${key}`);
    }
});

test("Pulumi.dev.yaml parses", () => {
    const config = parseNodeConfig((key) => devConfig[`${CONFIG_NAMESPACE}:${key}`]);
    expect(config.network).toBe("mainnet");
});

test("index.ts exports URLs, network, volume and container names, and sync status", async () => {
    pulumi.runtime.setAllConfig(Object.fromEntries(Object.entries(devConfig).map(([k, v]) => [k, String(v)])));
    setupMocks("dev");
    const outputs = await import("../index");
    expect(outputs.network).toBe("mainnet");
    expect(outputs.executionRpcUrl).toBe("http://127.0.0.1:8545");
    expect(outputs.consensusApiUrl).toBe("http://127.0.0.1:3500");
    expect(outputs.peerMonitorUrl).toBe("http://127.0.0.1:9200");
    expect(await valueOf(outputs.volumeNames.execution)).toBe("eth-node-dev-geth-data");
    expect(await valueOf(outputs.volumeNames.consensus)).toBe("eth-node-dev-prysm-data");
    expect(await valueOf(outputs.containerNames.execution)).toBe("eth-node-dev-geth");
    expect(await valueOf(outputs.containerNames.consensus)).toBe("eth-node-dev-prysm");
    expect(await valueOf(outputs.containerNames.prometheus)).toBe("eth-node-dev-prometheus");
    expect(await valueOf(outputs.volumeNames.prometheus)).toBe("eth-node-dev-prometheus-data");
    expect(outputs.grafanaUrl).toBe("http://127.0.0.1:3000");
    expect(await (outputs.grafanaAdminPassword as any).isSecret).toBe(true);
    expect(await valueOf(outputs.executionSyncStatus!)).toMatchObject({ headBlock: 100, peers: 7 });
    expect(await valueOf(outputs.consensusSyncStatus!)).toMatchObject({ peers: { connected: "12" } });
});
