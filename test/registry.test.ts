/**
 * The service registry (components/services.ts) is the one place a service's ports, alias and job are
 * stated. The registry is moved — every port shifted, every alias and job renamed — and the whole declared
 * stack and every generated file must follow: no old value may remain anywhere, so a copy of one (a
 * hard-coded 9200, a URL, an alert text naming `execution:8551`) fails this test.
 */
import { ServiceId, scrapeTargets, serviceIds, specOf } from "../components/services";
import { renderMonitoringFiles } from "../components/monitoring/files";
import { CONTAINER, declareStack } from "./harness";
import { revealSecrets } from "./mocks";

describe("registry invariants", () => {
    const ids = serviceIds();
    const unique = (values: unknown[]) => expect(new Set(values).size).toBe(values.length);
    test("container suffixes, aliases, roles, jobs and datasource uids are unique", () => {
        unique(ids.map((id) => specOf(id).containerSuffix));
        unique(ids.map((id) => specOf(id).alias));
        unique(ids.map((id) => specOf(id).role));
        unique(scrapeTargets().map((t) => t.job));
        const uids = ids.map((id) => specOf(id).datasourceUid).filter((u) => u !== undefined);
        unique(uids);
        expect(uids.length).toBeGreaterThan(0);
    });
    test("every metrics endpoint names one of the service's ports", () => {
        for (const id of ids) {
            const { metrics, ports } = specOf(id);
            if (metrics) expect({ id, port: ports[metrics.port] }).toEqual({ id, port: expect.any(Number) });
        }
    });
    test("scrapeTargets lists every service with a metrics endpoint once, in registry order", () => {
        expect(scrapeTargets().map((t) => t.service)).toEqual(ids.filter((id) => specOf(id).metrics !== undefined));
        for (const t of scrapeTargets()) expect(t.address).toBe(`${t.alias}:${t.port}`);
    });
});

describe("with the registry moved", () => {
    const PORT_SHIFT = 20000;
    const original = new Map<ServiceId, { ports: Record<string, number>; alias: string; job?: string }>();
    const oldPorts = new Set<number>();
    for (const id of serviceIds()) {
        const spec = specOf(id);
        original.set(id, { ports: { ...spec.ports }, alias: spec.alias, job: spec.metrics?.job });
        for (const port of Object.values(spec.ports)) oldPorts.add(port);
    }
    /** Host ports away from every old and shifted container port, so any leftover is a registry value. */
    const HOST_PORTS = {
        elP2pPort: "41001",
        clP2pTcpPort: "41002",
        clP2pUdpPort: "41003",
        clP2pQuicPort: "41004",
        elRpcPort: "41005",
        clApiPort: "41006",
        peerMonitorPort: "41007",
        prometheusPort: "41008",
        alertmanagerPort: "41009",
        grafanaPort: "41010",
        validatorTrackerP2pTcpPort: "41011",
        validatorTrackerP2pUdpPort: "41012",
        validatorTrackerApiPort: "41013",
    };
    let texts: Array<{ where: string; text: string }>;

    beforeAll(async () => {
        for (const id of serviceIds()) {
            const spec = specOf(id) as { ports: Record<string, number>; alias: string; metrics?: { job: string } };
            for (const name of Object.keys(spec.ports)) spec.ports[name] += PORT_SHIFT;
            spec.alias = `${spec.alias}-moved`;
            if (spec.metrics) spec.metrics.job = `${spec.metrics.job}-moved`;
        }
        // The validator tracker on, so its containers and the NATS config are checked too.
        const s = await declareStack("moved", { ...HOST_PORTS, validatorTracker: "true", alertWebhookUrl: "https://hooks.example.com/x" });
        texts = [
            ...s.resources.map((r) => ({ where: `${r.type} ${r.name}`, text: JSON.stringify(revealSecrets(r.inputs)) })),
            ...renderMonitoringFiles({ stack: "moved", monitoring: s.config.monitoring }, "https://hooks.example.com/x").map((f) => ({
                where: f.renderPath,
                text: f.content,
            })),
        ];
        expect(s.all(CONTAINER).length).toBeGreaterThan(15);
        // The tracker followed too: the consumer dials NATS under its new alias and port.
        const consumer = s.all(CONTAINER).find((c) => c.inputs.name === "eth-node-moved-valtrack-consumer")!.inputs;
        expect(consumer.command).toContain(`--nats=nats://${original.get("nats")!.alias}-moved:${original.get("nats")!.ports.client + PORT_SHIFT}`);
        // The move took effect: the peer monitor listens on its shifted port under its new alias.
        const monitor = s.all(CONTAINER).find((c) => c.inputs.name === "eth-node-moved-peer-monitor")!.inputs;
        expect(monitor.envs).toContain(`PEER_MONITOR_LISTEN=0.0.0.0:${original.get("peerMonitor")!.ports.http + PORT_SHIFT}`);
        expect(monitor.networksAdvanced[0].aliases).toEqual([`${original.get("peerMonitor")!.alias}-moved`]);
    });

    afterAll(() => {
        for (const [id, values] of original) {
            const spec = specOf(id) as { ports: Record<string, number>; alias: string; metrics?: { job: string } };
            Object.assign(spec.ports, values.ports);
            spec.alias = values.alias;
            if (spec.metrics && values.job) spec.metrics.job = values.job;
        }
    });

    test("no old container port appears in any declared resource or generated file", () => {
        const leftovers: string[] = [];
        for (const { where, text } of texts) {
            for (const port of oldPorts) {
                const match = new RegExp(`(?<![0-9.])${port}(?![0-9])`).exec(text);
                if (match) leftovers.push(`${port} in ${where}: …${text.slice(Math.max(0, match.index - 60), match.index + 20)}…`);
            }
        }
        expect(leftovers).toEqual([]);
    });

    test("no old alias is addressed and no old job is selected anywhere", () => {
        const leftovers: string[] = [];
        for (const { where, text } of texts) {
            for (const { alias, job } of original.values()) {
                // Host positions only: `//alias`, `alias:port` (not an image `repo/alias:tag`), a flag value (not a URL
                // scheme: `--nats=nats://…`), an alias list.
                const patterns = [`//${alias}(?![\\w-])`, `(?<![\\w/.-])${alias}:\\d`, `[=,]${alias}(?![\\w-]|://)`, `"${alias}"\\]`];
                if (job) patterns.push(`job=\\\\?"${job}\\\\?"`, `job_name: ${job}\\n`);
                for (const p of patterns) {
                    const match = new RegExp(p).exec(text);
                    if (match) leftovers.push(`${p} in ${where}: …${text.slice(Math.max(0, match.index - 60), match.index + 30)}…`);
                }
            }
        }
        expect(leftovers).toEqual([]);
    });
});
