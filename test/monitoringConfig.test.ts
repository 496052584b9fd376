import { ConfigError, parseNodeConfig } from "../components/config";
import {
    DEFAULT_MONITORING_IMAGES,
    MONITORING_CONFIG_KEYS,
    parseMonitoringConfig,
} from "../components/monitoringConfig";

const reader = (values: Record<string, string>) => (key: string) => values[key];

describe("parseMonitoringConfig", () => {
    it("applies the documented defaults when no key is set", () => {
        const m = parseMonitoringConfig(reader({}));
        expect(m.images).toEqual(DEFAULT_MONITORING_IMAGES);
        expect(m.prometheusRetention).toBe("30d");
        expect(m.lokiRetention).toBe("30d");
        expect(m.scrapeInterval).toBe("15s");
        expect(m.alertWebhookUrl).toBeUndefined();
        expect(m.dockerLogDir).toBe("/var/lib/docker/containers");
        expect(m.thresholds).toEqual({
            elMinPeers: 10,
            clMinPeers: 20,
            clHeadLagSlots: 8,
            elHeadStallMinutes: 5,
            diskWarnPercent: 10,
            diskCriticalPercent: 2,
            memoryAvailableMinPercent: 10,
            clockDriftSeconds: 0.5,
            peerMonitorStaleSeconds: 120,
        });
    });

    it("pins every default image to a release tag", () => {
        for (const image of Object.values(DEFAULT_MONITORING_IMAGES)) {
            expect(image).toMatch(/^[a-z0-9./-]+:v?\d+\.\d+\.\d+$/);
        }
    });

    it("documents a default for every key it reads, and reads every documented key", () => {
        const read: string[] = [];
        parseMonitoringConfig((key) => {
            read.push(key);
            return undefined;
        });
        expect(new Set(read)).toEqual(new Set(Object.keys(MONITORING_CONFIG_KEYS)));
    });

    it("reads every key when set", () => {
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
        expect(m.alertWebhookUrl).toBe("https://hooks.example.com/x");
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
        ["alertWebhookUrl", "ftp://example.com", "http:// or https://"],
        ["dockerLogDir", "relative/dir", "absolute host path"],
        ["dockerLogDir", "/var/../etc", "absolute host path"],
        ["elMinPeers", "0", "from 1 to 1000"],
        ["clMinPeers", "many", "from 1 to 1000"],
        ["elHeadStallMinutes", "500", "from 1 to 120"],
        ["diskWarnPercent", "100", "from 1 to 99"],
        ["clockDriftSeconds", "-1", "decimal number"],
        ["peerMonitorStaleSeconds", "5", "from 10 to 86400"],
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
        const config = parseNodeConfig(reader({ elMinPeers: "7" }));
        expect(config.monitoring.thresholds.elMinPeers).toBe(7);
    });
});
