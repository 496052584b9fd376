/**
 * What MonitoringStack declares, under Pulumi mocks: containers, images, ports, volumes, host mounts, uploads
 * and the Grafana admin secret, for a stack with defaults and one with overrides.
 */
import * as pulumi from "@pulumi/pulumi";
import { NodeConfig } from "../components/config";
import { MonitoringStack } from "../components/monitoring";
import { renderAlertmanagerFile, renderPlainFiles } from "../components/monitoring/files";
import { SERVICES as REGISTRY } from "../components/services";
import { configFromValues } from "./harness";
import { MOCK_PASSWORD, RecordedResource, isSecretEnvelope, plaintextPaths, revealSecrets, setupMocks, settle, valueOf, withoutSecrets } from "./mocks";

const CONTAINER = "docker:index/container:Container";
const VOLUME = "docker:index/volume:Volume";
const MONITORING = ["prometheus", "alertmanager", "grafana", "loki", "alloy", "nodeExporter"] as const;
const SERVICES = MONITORING.map((id) => REGISTRY[id].alias);

interface Declared {
    stack: MonitoringStack;
    resources: RecordedResource[];
    container(alias: string): RecordedResource;
    config: NodeConfig;
}

async function declare(stackName: string, values: Record<string, string>): Promise<Declared> {
    const resources = setupMocks(stackName);
    const config = configFromValues(values);
    const stack = new MonitoringStack("monitoring", { stack: stackName, networkName: "eth-node-net", config });
    await Promise.all(Object.values(stack.containers).map((c) => valueOf(c.id)));
    await settle();
    const container = (alias: string) => {
        const found = resources.filter((r) => r.type === CONTAINER && r.inputs.name === `eth-node-${stackName}-${alias}`);
        if (found.length !== 1) throw new Error(`expected one container ${alias}, found ${found.length}`);
        return found[0];
    };
    return { stack, resources, container, config };
}

const CUSTOM = {
    bindAddress: "10.0.0.5",
    prometheusPort: "19090",
    alertmanagerPort: "19093",
    grafanaPort: "13001",
    deleteVolumesOnDestroy: "true",
    alertWebhookUrl: "https://hooks.example.com/secret-token-123",
    grafanaImage: "grafana/grafana:12.4.3",
    dockerLogDir: "/srv/docker/containers",
    prometheusRetention: "90d",
};

describe.each([
    ["mainnet", {} as Record<string, string>],
    ["custom", CUSTOM],
    ["tracker", { validatorTracker: "true" }],
])("MonitoringStack (%s)", (stackName, values) => {
    let d: Declared;
    beforeAll(async () => {
        d = await declare(stackName, values);
    });

    test("declares the six services, each on the node network under its alias, parented to the component", async () => {
        for (const alias of SERVICES) {
            const c = d.container(alias);
            expect(c.inputs.networksAdvanced).toEqual([{ name: "eth-node-net", aliases: [alias] }]);
            expect(c.options.parentUrn).toContain("eth-node:index:MonitoringStack");
        }
        expect(d.resources.filter((r) => r.type === CONTAINER)).toHaveLength(6);
    });

    test("images are the configured pinned releases", () => {
        const images = d.config.monitoring.images;
        expect(d.container("prometheus").inputs.image).toBe(images.prometheus);
        expect(d.container("alertmanager").inputs.image).toBe(images.alertmanager);
        expect(d.container("grafana").inputs.image).toBe(images.grafana);
        expect(d.container("loki").inputs.image).toBe(images.loki);
        expect(d.container("alloy").inputs.image).toBe(images.alloy);
        expect(d.container("node-exporter").inputs.image).toBe(images.nodeExporter);
        for (const alias of SERVICES) expect(d.container(alias).inputs.image).toMatch(/:v?\d+\.\d+\.\d+$/);
    });

    test("UIs are published on bindAddress only, to the port each listens on; Loki, Alloy and node-exporter are not published", () => {
        const { bindAddress, ports } = d.config;
        const listen = (alias: string, flag: string) =>
            Number((d.container(alias).inputs.command as string[]).find((a) => a.startsWith(`${flag}=`))!.split(":").pop());
        const grafanaPort = Number((d.container("grafana").inputs.envs as string[]).find((e) => e.startsWith("GF_SERVER_HTTP_PORT="))!.split("=")[1]);
        expect(d.container("prometheus").inputs.ports).toEqual([{ internal: listen("prometheus", "--web.listen-address"), external: ports.prometheus, ip: bindAddress, protocol: "tcp" }]);
        expect(d.container("alertmanager").inputs.ports).toEqual([{ internal: listen("alertmanager", "--web.listen-address"), external: ports.alertmanager, ip: bindAddress, protocol: "tcp" }]);
        expect(d.container("grafana").inputs.ports).toEqual([{ internal: grafanaPort, external: ports.grafana, ip: bindAddress, protocol: "tcp" }]);
        for (const alias of ["loki", "alloy", "node-exporter"]) expect(d.container(alias).inputs.ports ?? []).toEqual([]);
        for (const alias of SERVICES) {
            for (const p of d.container(alias).inputs.ports ?? []) expect(p.ip).not.toBe("0.0.0.0");
        }
    });

    test("data lives on named volumes that survive destroy unless deleteVolumesOnDestroy", () => {
        const volumes = d.resources.filter((r) => r.type === VOLUME);
        expect(volumes.map((v) => v.inputs.name).sort()).toEqual(
            ["alertmanager", "alloy", "grafana", "loki", "prometheus"].map((s) => `eth-node-${stackName}-${s}-data`),
        );
        for (const v of volumes) expect(v.options.retainOnDelete).toBe(!d.config.deleteVolumesOnDestroy);
        expect(d.container("prometheus").inputs.volumes).toEqual([{ volumeName: `eth-node-${stackName}-prometheus-data`, containerPath: "/prometheus" }]);
        expect(d.container("grafana").inputs.volumes).toEqual([{ volumeName: `eth-node-${stackName}-grafana-data`, containerPath: "/var/lib/grafana" }]);
        expect(d.container("loki").inputs.volumes).toEqual([{ volumeName: `eth-node-${stackName}-loki-data`, containerPath: "/loki" }]);
        expect(d.container("alloy").inputs.volumes).toEqual([{ volumeName: `eth-node-${stackName}-alloy-data`, containerPath: "/alloy-data" }]);
        expect(d.container("alloy").inputs.command).toContain("--storage.path=/alloy-data");
    });

    test("node-exporter reads the host's /proc, /sys and / read-only and is pointed at them", () => {
        const ne = d.container("node-exporter").inputs;
        expect(ne.mounts.map((m: any) => [m.source, m.target, m.readOnly, m.type])).toEqual([
            ["/proc", "/host/proc", true, "bind"],
            ["/sys", "/host/sys", true, "bind"],
            ["/", "/host/root", true, "bind"],
        ]);
        expect(ne.command).toEqual(expect.arrayContaining(["--path.procfs=/host/proc", "--path.sysfs=/host/sys", "--path.rootfs=/host/root"]));
    });

    test("the log collector reads Docker's log directory read-only and has no Docker socket", () => {
        const alloy = d.container("alloy").inputs;
        expect(alloy.mounts).toEqual([{ type: "bind", source: d.config.monitoring.dockerLogDir, target: "/var/lib/docker/containers", readOnly: true }]);
        expect(JSON.stringify(alloy)).not.toContain("docker.sock");
        for (const alias of SERVICES) expect(JSON.stringify(d.container(alias).inputs)).not.toContain("docker.sock");
    });

    test("hardened: the registry's users (root only for Alloy), no capabilities, no-new-privileges, rotated logs", () => {
        for (const id of MONITORING) {
            const c = d.container(REGISTRY[id].alias).inputs;
            const { uid, gid } = REGISTRY[id].user;
            expect(c.user).toBe(`${uid}:${gid}`);
            if (id !== "alloy") expect(uid).not.toBe(0);
            expect(c.capabilities).toEqual({ drops: ["ALL"] });
            expect(c.securityOpts).toEqual(["no-new-privileges:true"]);
            expect(c.privileged ?? false).toBe(false);
            expect(c.logDriver).toBe("json-file");
            expect(c.logOpts).toMatchObject({ "max-size": "50m", "max-file": "5", labels: "eth-node.stack,eth-node.role" });
            expect(c.restart).toBe("unless-stopped");
        }
    });

    test("every container is deleted before its replacement is created (fixed names and host ports)", () => {
        for (const alias of SERVICES) expect({ alias, deleteBeforeReplace: d.container(alias).options.deleteBeforeReplace }).toEqual({ alias, deleteBeforeReplace: true });
    });

    test("uploads exactly the generated files (one source of truth with npm run render)", async () => {
        const files = renderPlainFiles({ stack: stackName, monitoring: d.config.monitoring, validatorTracker: d.config.validatorTracker.enabled });
        for (const id of ["prometheus", "grafana", "loki", "alloy"] as const) {
            const uploads = revealSecrets(d.container(REGISTRY[id].alias).inputs.uploads).filter((u: any) => !u.file.includes("/secrets/"));
            const expected = files.filter((f) => f.service === id && f.deploy);
            expect(uploads.map((u: any) => [u.file, u.content])).toEqual(expected.map((f) => [f.containerPath, f.content]));
        }
        const webhook = d.config.monitoring.alertWebhookUrl === undefined ? undefined : await valueOf(d.config.monitoring.alertWebhookUrl);
        const alertmanager = revealSecrets(d.container("alertmanager").inputs.uploads);
        expect(alertmanager.map((u: any) => [u.file, u.content])).toEqual([[renderAlertmanagerFile(webhook).containerPath, renderAlertmanagerFile(webhook).content]]);
        expect(d.container("node-exporter").inputs.uploads ?? []).toEqual([]);
    });

    test("Prometheus keeps the configured retention and links to its published URL", () => {
        const cmd: string[] = d.container("prometheus").inputs.command;
        expect(cmd).toContain(`--storage.tsdb.retention.time=${d.config.monitoring.prometheusRetention}`);
        expect(cmd).toContain("--config.file=/etc/prometheus/prometheus.yml");
        expect(cmd).toContain(`--web.external-url=${d.stack.prometheusUrl}`);
    });

    test("Grafana: password from a secret file, anonymous access and sign-up off", () => {
        const envs: string[] = d.container("grafana").inputs.envs;
        expect(envs).toEqual(expect.arrayContaining(["GF_AUTH_ANONYMOUS_ENABLED=false", "GF_USERS_ALLOW_SIGN_UP=false"]));
        expect(envs.some((e) => e.startsWith("GF_SECURITY_ADMIN_PASSWORD="))).toBe(false);
        const passwordPath = envs.find((e) => e.startsWith("GF_SECURITY_ADMIN_PASSWORD__FILE="))!.split("=")[1];
        // A secret inside the list makes Pulumi store the whole uploads input encrypted.
        expect(isSecretEnvelope(d.container("grafana").inputs.uploads)).toBe(true);
        const uploads: any[] = revealSecrets(d.container("grafana").inputs.uploads);
        const passwordFile = uploads.find((u) => u.file === passwordPath);
        expect(passwordFile.content).toBe(MOCK_PASSWORD);
        expect(passwordFile.permissions).toBe("0400");
        expect(`${passwordFile.owner}:${passwordFile.group}`).toBe(d.container("grafana").inputs.user);
    });

    test("no resource input carries the Grafana password (or the webhook URL) in plaintext", () => {
        expect(d.resources.length).toBeGreaterThan(10);
        for (const r of d.resources) {
            const plain = JSON.stringify(withoutSecrets(r.inputs));
            expect(plain).not.toContain(MOCK_PASSWORD);
            expect(plain).not.toContain("secret-token-123");
        }
    });

    test("no property of the component holds the password or the webhook URL outside a secret", async () => {
        const leaks = await plaintextPaths(d.stack, ["secret-token-123", MOCK_PASSWORD]);
        expect(leaks).toEqual([]);
    });

    test("outputs: URLs on bindAddress, the password as a secret, names and endpoints", async () => {
        const host = d.config.bindAddress;
        expect(d.stack.grafanaUrl).toBe(`http://${host}:${d.config.ports.grafana}`);
        expect(d.stack.prometheusUrl).toBe(`http://${host}:${d.config.ports.prometheus}`);
        expect(d.stack.alertmanagerUrl).toBe(`http://${host}:${d.config.ports.alertmanager}`);
        expect(await pulumi.isSecret(d.stack.grafanaAdminPassword)).toBe(true);
        expect(await valueOf(d.stack.grafanaAdminPassword)).toBe(MOCK_PASSWORD);
        expect(await valueOf(d.stack.volumeNames.prometheus)).toBe(`eth-node-${stackName}-prometheus-data`);
        expect(await valueOf(d.stack.containerNames.nodeExporter)).toBe(`eth-node-${stackName}-node-exporter`);
    });
});

test("the validator tracker's scrape jobs, rules and Network dashboard are uploaded exactly when it is on", async () => {
    const uploaded = async (stackName: string, values: Record<string, string>) => {
        const d = await declare(stackName, values);
        const files = (alias: string): [string, string][] => revealSecrets(d.container(alias).inputs.uploads).map((u: any) => [u.file, u.content]);
        return { prometheus: files("prometheus"), grafana: files("grafana").map(([file]) => file) };
    };
    const on = await uploaded("trackeron", { validatorTracker: "true" });
    const off = await uploaded("trackeroff", {});
    const content = (u: { prometheus: [string, string][] }, file: string) => u.prometheus.find(([f]) => f.endsWith(file))?.[1] ?? "";
    expect(content(on, "prometheus.yml")).toContain("job_name: valtrack-sentry");
    expect(content(on, "prometheus.yml")).toContain("job_name: valtrack-consumer");
    expect(content(on, "eth-node.rules.yml")).toContain("name: eth-node-validator-tracker");
    expect(on.grafana).toContain("/etc/grafana/dashboards/network.json");
    expect(content(off, "prometheus.yml")).not.toContain("valtrack");
    expect(content(off, "eth-node.rules.yml")).not.toContain("valtrack");
    expect(off.grafana).not.toContain("/etc/grafana/dashboards/network.json");
});

test("without a webhook, alertmanager.yml is a plain upload; with one, a secret", async () => {
    const plain = await declare("plain", {});
    expect(isSecretEnvelope(plain.container("alertmanager").inputs.uploads)).toBe(false);
    expect(plain.container("alertmanager").inputs.uploads[0].permissions).toBe("0444");
    const d = await declare("webhook", { alertWebhookUrl: "https://hooks.example.com/secret-token-123" });
    expect(isSecretEnvelope(d.container("alertmanager").inputs.uploads)).toBe(true);
    const uploads: any[] = revealSecrets(d.container("alertmanager").inputs.uploads);
    expect(uploads).toHaveLength(1);
    expect(uploads[0].content).toContain("https://hooks.example.com/secret-token-123");
    expect(uploads[0].permissions).toBe("0400");
});
