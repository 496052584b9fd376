/**
 * Pulumi.dev.yaml is the documented example stack: it must parse, name only known keys and hold only valid
 * values — whatever values the user chose (the file is theirs to edit). index.ts is evaluated under mocks
 * with a config of its own to check the stack outputs and how it reads secret keys.
 */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";
import { CONFIG_KEYS, CONFIG_NAMESPACE, parseNodeConfig } from "../components/config";
import { MONITORING_CONFIG_KEYS, SECRET_CONFIG_KEYS } from "../components/monitoringConfig";
import { CONTAINER } from "./harness";
import { isSecretEnvelope, outputOutcome, revealSecrets, setupMocks, valueOf, withoutSecrets } from "./mocks";

const ROOT = path.join(__dirname, "..");
const devConfig: Record<string, unknown> = parseYaml(fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8")).config ?? {};
const KNOWN_KEYS = new Set([...Object.keys(CONFIG_KEYS), ...Object.keys(MONITORING_CONFIG_KEYS), ...Object.keys(SECRET_CONFIG_KEYS)]);

test("Pulumi.yaml names the project eth-node with the nodejs runtime", () => {
    const project = parseYaml(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8"));
    expect(project.name).toBe(CONFIG_NAMESPACE);
    expect(project.runtime.name).toBe("nodejs");
});

test("Pulumi.dev.yaml sets only known eth-node keys, each to a scalar", () => {
    for (const [fullKey, value] of Object.entries(devConfig)) {
        const [namespace, key] = fullKey.split(":");
        expect({ fullKey, namespace }).toEqual({ fullKey, namespace: CONFIG_NAMESPACE });
        expect({ fullKey, known: KNOWN_KEYS.has(key) }).toEqual({ fullKey, known: true });
        const encrypted = typeof value === "object" && value !== null && "secure" in value;
        expect({ fullKey, scalarOrEncrypted: encrypted || ["string", "number", "boolean"].includes(typeof value) }).toEqual({ fullKey, scalarOrEncrypted: true });
    }
});

test("README.md's configuration tables document every key", () => {
    const rows = fs.readFileSync(path.join(ROOT, "README.md"), "utf8").split("\n").filter((line) => line.startsWith("| `"));
    const documented = new Set(rows.flatMap((row) => [...row.split("|")[1].matchAll(/`([A-Za-z0-9]+)`/g)].map((m) => m[1])));
    expect([...KNOWN_KEYS].filter((key) => !documented.has(key))).toEqual([]);
});

test("every value in Pulumi.dev.yaml is valid", async () => {
    const value = (key: string) => {
        const v = devConfig[`${CONFIG_NAMESPACE}:${key}`];
        return v === undefined || typeof v === "object" ? undefined : String(v);
    };
    const config = parseNodeConfig(value, value);
    if (config.monitoring.alertWebhookUrl) expect((await outputOutcome(config.monitoring.alertWebhookUrl)).error).toBeUndefined();
});

describe("index.ts", () => {
    const webhook = "https://hooks.example.com/plain-set-token-77";
    const values = {
        network: "hoodi",
        bindAddress: "10.9.8.7",
        elRpcPort: "18545",
        clApiPort: "13500",
        peerMonitorPort: "19200",
        grafanaPort: "13000",
        clP2pTcpPort: "23000",
        clP2pQuicPort: "23000",
        validatorTracker: "true",
        validatorTrackerApiPort: "19120",
        // Set without --secret: index.ts must still treat it as one.
        alertWebhookUrl: webhook,
    };
    let outputs: typeof import("../index");
    let resources: ReturnType<typeof setupMocks>;
    const plainReads: string[] = [];

    beforeAll(async () => {
        pulumi.runtime.setAllConfig(Object.fromEntries(Object.entries(values).map(([k, v]) => [`${CONFIG_NAMESPACE}:${k}`, v])));
        resources = setupMocks("ix");
        const get = pulumi.Config.prototype.get;
        jest.spyOn(pulumi.Config.prototype, "get").mockImplementation(function (this: pulumi.Config, key: string, opts?: any) {
            plainReads.push(key);
            return get.call(this, key, opts);
        });
        outputs = await import("../index");
        await valueOf(outputs.containerNames.alertmanager);
        await valueOf(outputs.executionSyncStatus!);
    });
    afterAll(() => jest.restoreAllMocks());

    test("exports URLs on the configured address and ports, network, volume and container names, and sync status", async () => {
        expect(outputs.network).toBe(values.network);
        expect(outputs.executionRpcUrl).toBe(`http://${values.bindAddress}:${values.elRpcPort}`);
        expect(outputs.consensusApiUrl).toBe(`http://${values.bindAddress}:${values.clApiPort}`);
        expect(outputs.peerMonitorUrl).toBe(`http://${values.bindAddress}:${values.peerMonitorPort}`);
        expect(outputs.grafanaUrl).toBe(`http://${values.bindAddress}:${values.grafanaPort}`);
        expect(await valueOf(outputs.volumeNames.execution)).toBe("eth-node-ix-geth-data");
        expect(await valueOf(outputs.volumeNames.consensus)).toBe("eth-node-ix-prysm-data");
        expect(await valueOf(outputs.containerNames.execution)).toBe("eth-node-ix-geth");
        expect(await valueOf(outputs.containerNames.consensus)).toBe("eth-node-ix-prysm");
        expect(await valueOf(outputs.containerNames.prometheus)).toBe("eth-node-ix-prometheus");
        expect(await valueOf(outputs.volumeNames.prometheus)).toBe("eth-node-ix-prometheus-data");
        expect(await pulumi.isSecret(outputs.grafanaAdminPassword)).toBe(true);
        expect(await valueOf(outputs.executionSyncStatus!)).toMatchObject({ headBlock: 100, peers: 7 });
        expect(await valueOf(outputs.consensusSyncStatus!)).toMatchObject({ peers: { connected: "12" } });
        expect(outputs.validatorTrackerApiUrl).toBe(`http://${values.bindAddress}:${values.validatorTrackerApiPort}`);
        expect(await pulumi.isSecret(outputs.validatorTrackerApiToken!)).toBe(true);
        expect(await valueOf(outputs.containerNames.validatorTrackerSentry!)).toBe("eth-node-ix-valtrack-sentry");
        expect(await valueOf(outputs.containerNames.nats!)).toBe("eth-node-ix-nats");
        expect(await valueOf(outputs.volumeNames.validatorTrackerConsumer!)).toBe("eth-node-ix-valtrack-consumer-data");
        expect(await valueOf(outputs.volumeNames.nats!)).toBe("eth-node-ix-nats-data");
    });

    test("reads secret keys with getSecret only, never with get", () => {
        expect(plainReads.length).toBeGreaterThan(20);
        for (const key of Object.keys(SECRET_CONFIG_KEYS)) expect(plainReads).not.toContain(key);
    });

    test("a webhook URL set without --secret reaches Alertmanager only inside a secret", async () => {
        const alertmanager = resources.find((r) => r.type === CONTAINER && r.inputs.name === "eth-node-ix-alertmanager")!;
        expect(isSecretEnvelope(alertmanager.inputs.uploads)).toBe(true);
        expect(revealSecrets(alertmanager.inputs.uploads)[0].content).toContain(webhook);
        for (const r of resources) expect(JSON.stringify(withoutSecrets(r.inputs))).not.toContain("plain-set-token-77");
        // Each export as the engine records it: nested Outputs resolved, a secret one only as a secret.
        for (const [name, value] of Object.entries(outputs as Record<string, unknown>)) {
            const resolved = pulumi.output(value);
            const shown = (await pulumi.isSecret(resolved)) ? "[secret]" : JSON.stringify(await valueOf(resolved));
            expect({ name, leaks: (shown ?? "").includes("plain-set-token-77") }).toEqual({ name, leaks: false });
        }
    });
});
