import * as pulumi from "@pulumi/pulumi";
import { ConfigError, SECRET_VALUE_SHOWN_AS } from "../components/configValues";
import {
    DEFAULT_MONITORING_IMAGES,
    MONITORING_CONFIG_KEYS,
    parseAlertWebhookUrl,
    parseMonitoringConfig,
} from "../components/monitoringConfig";
import { configFromValues } from "./harness";
import { outputOutcome, valueOf } from "./mocks";

const reader = (values: Record<string, string>) => (key: string) => values[key];

describe("parseMonitoringConfig", () => {
    it("applies the documented defaults when no key is set", () => {
        const m = parseMonitoringConfig(reader({}));
        const K = MONITORING_CONFIG_KEYS;
        expect(m.images).toEqual(DEFAULT_MONITORING_IMAGES);
        expect(m.prometheusRetention).toBe(K.prometheusRetention);
        expect(m.lokiRetention).toBe(K.lokiRetention);
        expect(m.scrapeInterval).toBe(K.scrapeInterval);
        expect(m.alertWebhookUrl).toBeUndefined();
        expect(m.dockerLogDir).toBe(K.dockerLogDir);
        expect(m.thresholds).toEqual({
            elMinPeers: Number(K.elMinPeers),
            clMinPeers: Number(K.clMinPeers),
            clHeadLagSlots: Number(K.clHeadLagSlots),
            elHeadStallMinutes: Number(K.elHeadStallMinutes),
            diskWarnPercent: Number(K.diskWarnPercent),
            diskCriticalPercent: Number(K.diskCriticalPercent),
            memoryAvailableMinPercent: Number(K.memoryAvailableMinPercent),
            clockDriftSeconds: Number(K.clockDriftSeconds),
            peerMonitorStaleSeconds: Number(K.peerMonitorStaleSeconds),
            valtrackHandshakeStaleSeconds: Number(K.valtrackHandshakeStaleSeconds),
            valtrackConsumerLagMessages: Number(K.valtrackConsumerLagMessages),
        });
    });

    it("pins every default image to a release tag", () => {
        for (const image of Object.values(DEFAULT_MONITORING_IMAGES)) {
            expect(image).toMatch(/^[a-z0-9./-]+:v?\d+\.\d+\.\d+$/);
        }
    });

    it("reads every documented plain key through the plain reader, and nothing else", () => {
        const read: string[] = [];
        parseMonitoringConfig(
            (key) => {
                read.push(key);
                return undefined;
            },
            () => undefined,
        );
        expect(new Set(read)).toEqual(new Set(Object.keys(MONITORING_CONFIG_KEYS)));
    });

    it("reads every key when set", async () => {
        const m = parseMonitoringConfig(
            reader({
                prometheusImage: "prom/prometheus:v3.5.0",
                prometheusRetention: "12w",
                lokiRetention: "2w",
                scrapeInterval: "1m",
                alertWebhookUrl: "https://hooks.example.com/x/",
                dockerLogDir: "/srv/docker/containers/",
                elMinPeers: "3",
                clockDriftSeconds: "2",
            }),
        );
        expect(m.images.prometheus).toBe("prom/prometheus:v3.5.0");
        expect(m.prometheusRetention).toBe("12w");
        expect(m.lokiRetention).toBe("2w");
        expect(m.scrapeInterval).toBe("1m");
        expect(await pulumi.isSecret(m.alertWebhookUrl!)).toBe(true);
        expect(await valueOf(m.alertWebhookUrl!)).toBe("https://hooks.example.com/x");
        expect(m.dockerLogDir).toBe("/srv/docker/containers");
        expect(m.thresholds.elMinPeers).toBe(3);
        expect(m.thresholds.clockDriftSeconds).toBe(2);
    });

    it.each([
        ["grafanaImage", "grafana/grafana:latest", "pinned image"],
        ["lokiImage", "grafana/loki", "pinned image"],
        ["prometheusRetention", "30", "unit h, d, w or y"],
        ["prometheusRetention", "0d", "unit h, d, w or y"],
        ["lokiRetention", "36h", "whole days or weeks"],
        ["scrapeInterval", "1s", '"5s" to "5m"'],
        ["scrapeInterval", "10m", '"5s" to "5m"'],
        ["dockerLogDir", "relative/dir", "absolute host path"],
        ["dockerLogDir", "/var/../etc", "absolute host path"],
        ["elMinPeers", "0", "from 1 to 1000"],
        ["clMinPeers", "many", "from 1 to 1000"],
        ["elHeadStallMinutes", "500", "from 1 to 120"],
        ["diskWarnPercent", "100", "from 1 to 99"],
        ["clockDriftSeconds", "-1", "decimal number"],
        ["peerMonitorStaleSeconds", "5", "from 10 to 86400"],
        ["valtrackHandshakeStaleSeconds", "30", "from 60 to 86400"],
        ["valtrackConsumerLagMessages", "0", "from 1 to 100000000"],
    ])("rejects %s = %j with a message naming key, value and what is allowed", (key, value, allowed) => {
        const parse = () => parseMonitoringConfig(reader({ [key]: value }));
        expect(parse).toThrow(ConfigError);
        expect(parse).toThrow(`eth-node:${key} = ${JSON.stringify(value)}`);
        expect(parse).toThrow(allowed);
    });

    it("requires the critical disk level below the warning level", () => {
        const parse = () => parseMonitoringConfig(reader({ diskWarnPercent: "5", diskCriticalPercent: "5" }));
        expect(parse).toThrow("eth-node:diskCriticalPercent");
        expect(parse).toThrow("must be below eth-node:diskWarnPercent (5)");
    });

    it("is part of the node config", () => {
        const config = configFromValues({ elMinPeers: "7" });
        expect(config.monitoring.thresholds.elMinPeers).toBe(7);
    });
});

describe("the webhook URL (a secret)", () => {
    it.each(["ftp://hooks.example.com/token-9", "hooks.example.com/token-9"])("rejects %j without putting the value in the error", (value) => {
        let error: unknown;
        try {
            parseAlertWebhookUrl(value);
        } catch (err) {
            error = err;
        }
        expect(error).toBeInstanceOf(ConfigError);
        const e = error as ConfigError;
        expect(e.message).toContain("eth-node:alertWebhookUrl");
        expect(e.message).toContain("http:// or https://");
        expect(e.message).not.toContain("token-9");
        expect(e.value).toBe(SECRET_VALUE_SHOWN_AS);
    });

    it("is parsed by parseAlertWebhookUrl inside the secret: a bad value fails the Output, not the parse", async () => {
        const m = parseMonitoringConfig(reader({}), () => "ftp://hooks.example.com/token-9");
        const { error } = await outputOutcome(m.alertWebhookUrl!);
        expect(error).toBeInstanceOf(ConfigError);
        expect((error as Error).message).not.toContain("token-9");
    });
});
