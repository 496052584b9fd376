/** `npm run render`: arguments, reading Pulumi.<stack>.yaml, secrets never written, files on disk. */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { REDACTED_SECRET_URL, parseArgs, renderStack, stackFileReaders } from "../scripts/render";
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

describe("stack file readers", () => {
    it("read eth-node:<key> values as strings", () => {
        const { read } = stackFileReaders("config:\n  eth-node:elMinPeers: 25\n  eth-node:network: hoodi\n  other:key: x\n", "f");
        expect(read("elMinPeers")).toBe("25");
        expect(read("network")).toBe("hoodi");
        expect(read("key")).toBeUndefined();
    });
    it("replace an encrypted secret with a placeholder instead of writing (or needing) the secret", () => {
        const text = fs.readFileSync(path.join(FIXTURES, "Pulumi.fixture-secret.yaml"), "utf8");
        expect(stackFileReaders(text, "f").readSecret("alertWebhookUrl")).toBe(REDACTED_SECRET_URL);
        const am = renderStack("fixture-secret", text, "f").find((f) => f.renderPath === "alertmanager/alertmanager.yml")!;
        expect(parse(am.content).receivers[1].webhook_configs[0].url).toBe(REDACTED_SECRET_URL);
        expect(am.content).not.toContain("BBBBBBBB");
    });
    it("replace a secret set in plaintext too, after checking it", () => {
        const plain = "config:\n  eth-node:alertWebhookUrl: https://hooks.example.com/plain-token-5\n";
        const files = renderStack("plain", plain, "f");
        expect(files.map((f) => f.content).join("\n")).not.toContain("plain-token-5");
        expect(parse(files.find((f) => f.renderPath === "alertmanager/alertmanager.yml")!.content).receivers[1].webhook_configs[0].url).toBe(REDACTED_SECRET_URL);
        const bad = () => renderStack("bad", "config:\n  eth-node:alertWebhookUrl: ftp://hooks.example.com/plain-token-5\n", "f");
        expect(bad).toThrow("eth-node:alertWebhookUrl");
        expect(bad).not.toThrow("plain-token-5");
        // Set to "": no webhook.
        const empty = renderStack("empty", 'config:\n  eth-node:alertWebhookUrl: ""\n', "f").find((f) => f.renderPath === "alertmanager/alertmanager.yml")!;
        expect(parse(empty.content).route.receiver).toBe("null");
    });
    it("refuse an encrypted value of a key that is not a secret key", () => {
        expect(() => renderStack("x", "config:\n  eth-node:grafanaPort:\n    secure: v1:AAAA\n", "f")).toThrow("eth-node:grafanaPort is encrypted");
    });
    it("fail with the config key's message on a bad value", () => {
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

    it("renders the validator tracker's scrape jobs, rules and Network dashboard exactly when the stack turns it on", () => {
        const render = (text: string) => renderStack("t", text, "Pulumi.t.yaml");
        const off = render("config: {}\n");
        const on = render('config:\n  eth-node:validatorTracker: "true"\n');
        const paths = (files: { renderPath: string }[]) => files.map((f) => f.renderPath);
        expect(paths(off)).not.toContain("grafana/dashboards/network.json");
        expect(paths(on)).toContain("grafana/dashboards/network.json");
        const prometheus = (files: typeof on) => files.find((f) => f.renderPath === "prometheus/prometheus.yml")!.content;
        expect(prometheus(off)).not.toContain("valtrack");
        expect(prometheus(on)).toContain("valtrack");
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
