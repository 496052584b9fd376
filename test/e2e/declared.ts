/**
 * Turns what the Pulumi program declares (evaluated under mocks, no Pulumi engine) into Docker Engine API
 * calls, so the end-to-end run starts exactly the declared containers: image, entrypoint, command, env,
 * user, ports with bind addresses, network and aliases, volumes and mounts, uploaded files, healthcheck,
 * restart and security options. A declared property the translation does not know fails the run instead of
 * being silently dropped.
 */
import { RecordedResource, revealSecrets } from "../mocks";
import { TarFile } from "./tar";

export const CONTAINER = "docker:index/container:Container";
export const VOLUME = "docker:index/volume:Volume";
export const NETWORK = "docker:index/network:Network";
export const IMAGE = "docker:index/image:Image";

/** Container inputs the translation maps onto the Engine API, or that only steer the Pulumi provider. */
const HANDLED = new Set([
    "name", "image", "command", "entrypoints", "envs", "user", "labels", "healthcheck", "stopSignal", "stopTimeout",
    "ports", "volumes", "mounts", "restart", "securityOpts", "capabilities", "logDriver", "logOpts", "readOnly",
    "tmpfs", "networksAdvanced", "uploads", "workingDir",
    // Provider behaviour, not container configuration:
    "mustRun", "attach", "logs", "destroyGraceSeconds", "wait", "waitTimeout",
]);

export interface DeclaredContainer {
    name: string;
    image: string;
    /** One-shot containers (`attach: true`) run to completion before the services. */
    runToCompletion: boolean;
    /** `wait: true`: like the Docker provider, the runner waits (at most this many seconds) for it to be healthy before the next. */
    waitHealthySeconds?: number;
    createBody: Record<string, unknown>;
    uploads: TarFile[];
    /** The declared inputs with secrets revealed, for assertions. */
    inputs: Record<string, any>;
}

/** "30s", "2m", "1h30m" → nanoseconds, as the Engine API wants durations. */
export function durationNs(value: string | undefined): number | undefined {
    if (value === undefined) return undefined;
    const parts = [...value.matchAll(/(\d+)(ms|s|m|h)/g)];
    if (parts.length === 0 || parts.map((p) => p[0]).join("") !== value) throw new Error(`bad duration ${value}`);
    const unit: Record<string, number> = { ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
    return parts.reduce((sum, [, n, u]) => sum + Number(n) * unit[u], 0);
}

function uploadsToTar(uploads: Array<Record<string, any>>): TarFile[] {
    return uploads.map((u) => {
        if (u.content === undefined) throw new Error(`upload ${u.file}: only literal content is supported`);
        const mode = u.permissions !== undefined ? parseInt(u.permissions, 8) : u.executable ? 0o755 : 0o644;
        return {
            name: String(u.file).replace(/^\/+/, ""),
            content: Buffer.from(u.content, "utf8"),
            mode,
            uid: u.owner !== undefined ? Number(u.owner) : 0,
            gid: u.group !== undefined ? Number(u.group) : 0,
        };
    });
}

export function toEngineCreate(resource: RecordedResource): DeclaredContainer {
    const c = revealSecrets(resource.inputs) as Record<string, any>;
    const unknown = Object.keys(c).filter((k) => !HANDLED.has(k));
    if (unknown.length > 0) throw new Error(`container ${c.name}: e2e translation does not handle ${unknown.join(", ")}`);

    const exposed: Record<string, object> = {};
    const bindings: Record<string, Array<{ HostIp: string; HostPort: string }>> = {};
    for (const p of c.ports ?? []) {
        const key = `${p.internal}/${p.protocol ?? "tcp"}`;
        exposed[key] = {};
        (bindings[key] ??= []).push({ HostIp: p.ip ?? "0.0.0.0", HostPort: String(p.external ?? "") });
    }
    const networks = (c.networksAdvanced ?? []) as Array<{ name: string; aliases?: string[] }>;
    if (networks.length > 1) throw new Error(`container ${c.name}: e2e translation attaches one network only`);

    const createBody: Record<string, unknown> = {
        Image: c.image,
        Cmd: c.command,
        Entrypoint: c.entrypoints,
        Env: c.envs,
        User: c.user,
        WorkingDir: c.workingDir,
        Labels: Object.fromEntries((c.labels ?? []).map((l: { label: string; value: string }) => [l.label, l.value])),
        ExposedPorts: exposed,
        StopSignal: c.stopSignal,
        StopTimeout: c.stopTimeout,
        Healthcheck: c.healthcheck && {
            Test: c.healthcheck.tests,
            Interval: durationNs(c.healthcheck.interval),
            Timeout: durationNs(c.healthcheck.timeout),
            Retries: c.healthcheck.retries,
            StartPeriod: durationNs(c.healthcheck.startPeriod),
            StartInterval: durationNs(c.healthcheck.startInterval),
        },
        HostConfig: {
            PortBindings: bindings,
            Binds: (c.volumes ?? []).map(
                (v: any) => `${v.volumeName ?? v.hostPath}:${v.containerPath}${v.readOnly ? ":ro" : ""}`,
            ),
            Mounts: (c.mounts ?? []).map((m: any) => ({
                Type: m.type,
                Source: m.source,
                Target: m.target,
                ReadOnly: m.readOnly ?? false,
                BindOptions: m.bindOptions?.propagation ? { Propagation: m.bindOptions.propagation } : undefined,
            })),
            RestartPolicy: { Name: c.restart ?? "no" },
            SecurityOpt: c.securityOpts,
            CapDrop: c.capabilities?.drops,
            CapAdd: c.capabilities?.adds,
            LogConfig: c.logDriver ? { Type: c.logDriver, Config: c.logOpts ?? {} } : undefined,
            ReadonlyRootfs: c.readOnly ?? false,
            Tmpfs: c.tmpfs,
            NetworkMode: networks[0]?.name,
        },
        NetworkingConfig: networks[0]
            ? { EndpointsConfig: { [networks[0].name]: { Aliases: networks[0].aliases ?? [] } } }
            : undefined,
    };
    return {
        name: c.name,
        image: c.image,
        runToCompletion: c.attach === true,
        // The provider's default waitTimeout is 60 s.
        waitHealthySeconds: c.wait === true ? (c.waitTimeout ?? 60) : undefined,
        createBody,
        uploads: uploadsToTar(c.uploads ?? []),
        inputs: c,
    };
}
