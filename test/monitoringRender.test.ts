/** `npm run render`: arguments, reading Pulumi.<stack>.yaml, secrets never written, files on disk. */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { REDACTED_SECRET_URL, parseArgs, renderStack, stackFileReader } from "../scripts/render";
import { tempDir } from "./monitoringTools";

const ROOT = path.join(__dirname, "..");
const FIXTURES = path.join(__dirname, "fixtures", "monitoring");

describe("render arguments", () => {
    it("reads --stack, --out and --dir", () => {
        expect(parseArgs(["--stack", "dev", "--out", "/tmp/x"])).toMatchObject({ stack: "dev", out: "/tmp/x" });
        expect(parseArgs(["--stack", "dev", "--out", "o", "--dir", "d"])).toEqual({ stack: "dev", out: "o", dir: "d" });
    });
    it.each([[[]], [["--stack", "dev"]], [["--stack", "--out", "x"]], [["--stack", "dev", "--out", "x", "--bogus"]]])("rejects %j", (argv) => {
        expect(() => parseArgs(argv)).toThrow();
    });
});

describe("stack file reader", () => {
    it("reads eth-node:<key> values as strings", () => {
        const read = stackFileReader("config:\n  eth-node:elMinPeers: 25\n  eth-node:network: hoodi\n  other:key: x\n", "f");
        expect(read("elMinPeers")).toBe("25");
        expect(read("network")).toBe("hoodi");
        expect(read("key")).toBeUndefined();
    });
    it("replaces encrypted values with a placeholder instead of writing (or needing) the secret", () => {
        const text = fs.readFileSync(path.join(FIXTURES, "Pulumi.fixture-secret.yaml"), "utf8");
        expect(stackFileReader(text, "f")("alertWebhookUrl")).toBe(REDACTED_SECRET_URL);
        const am = renderStack("fixture-secret", text, "f").find((f) => f.renderPath === "alertmanager/alertmanager.yml")!;
        expect(parse(am.content).receivers[1].webhook_configs[0].url).toBe(REDACTED_SECRET_URL);
        expect(am.content).not.toContain("BBBBBBBB");
    });
    it("fails with the config key's message on a bad value", () => {
        expect(() => renderStack("x", "config:\n  eth-node:prometheusRetention: forever\n", "f")).toThrow("eth-node:prometheusRetention");
    });
});

describe("npm run render", () => {
    it("writes every generated file for a stack without deploying anything", () => {
        const out = tempDir("render-cli");
        const r = spawnSync(
            process.execPath,
            [require.resolve("ts-node/dist/bin.js"), "--transpile-only", "scripts/render.ts", "--stack", "fixture-custom", "--out", out, "--dir", FIXTURES],
            { cwd: ROOT, encoding: "utf8" },
        );
        if (r.status !== 0) throw new Error(r.stderr);
        for (const file of [
            "prometheus/prometheus.yml",
            "prometheus/rules/eth-node.rules.yml",
            "prometheus/rules/eth-node.rules.test.yml",
            "alertmanager/alertmanager.yml",
            "grafana/provisioning/datasources/eth-node.yaml",
            "grafana/provisioning/dashboards/eth-node.yaml",
            "grafana/dashboards/execution.json",
            "grafana/dashboards/consensus.json",
            "grafana/dashboards/peers.json",
            "grafana/dashboards/host.json",
            "grafana/dashboards/logs.json",
            "loki/loki.yaml",
            "alloy/config.alloy",
        ]) {
            expect(fs.existsSync(path.join(out, file))).toBe(true);
        }
        expect(fs.readFileSync(path.join(out, "prometheus/prometheus.yml"), "utf8")).toContain("stack: fixture-custom");
    });

    it("fails clearly for a stack without a stack file", () => {
        const r = spawnSync(process.execPath, [require.resolve("ts-node/dist/bin.js"), "--transpile-only", "scripts/render.ts", "--stack", "nope", "--out", tempDir("x"), "--dir", FIXTURES], {
            cwd: ROOT,
            encoding: "utf8",
        });
        expect(r.status).toBe(1);
        expect(r.stderr).toContain("Pulumi.nope.yaml");
    });
});
