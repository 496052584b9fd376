/**
 * One builder per monitoring service: each declares its container — image, command, mounts, uploads, ports,
 * healthcheck — from the registry (components/services.ts) and the generated files. MonitoringStack only
 * calls them in order.
 */
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import { NodeConfig } from "../config";
import { dataMount, hardenedContainerArgs, healthcheck, namedContainer, privatePort, serviceContainerArgs } from "../docker";
import { SERVICES, ServiceId, scrapeTargetOf, specOf } from "../services";
import { COLLECTOR_DOCKER_LOG_DIR } from "./alloyConfig";
import { GeneratedFile, renderAlertmanagerFile } from "./files";

/** The monitoring services that keep data on a named volume (node-exporter keeps none). */
export const STATEFUL_MONITORING_SERVICES = ["prometheus", "alertmanager", "grafana", "loki", "alloy"] as const;
export type StatefulMonitoringService = (typeof STATEFUL_MONITORING_SERVICES)[number];

/** Prometheus flushes its head block and WAL on shutdown; give it time rather than a SIGKILL. */
export const PROMETHEUS_STOP_GRACE_SECONDS = 120;

/** Grafana reads the admin password from this uploaded file (`GF_SECURITY_ADMIN_PASSWORD__FILE`). */
export const GRAFANA_ADMIN_PASSWORD_FILE = "/etc/grafana/secrets/admin_password";
export const GRAFANA_ADMIN_USER = "admin";

/** Host filesystem mounts for node-exporter (read-only), so it measures the host and not its own container. */
export const NODE_EXPORTER_HOST_MOUNTS = [
    { source: "/proc", target: "/host/proc" },
    { source: "/sys", target: "/host/sys" },
    { source: "/", target: "/host/root" },
] as const;

/** What every builder needs: where the containers go, the stack config, the plain generated files, the volumes. */
export interface MonitoringContext {
    /** The MonitoringStack's name: each container's resource name is `<name>-<container suffix>`. */
    name: string;
    stack: string;
    networkName: pulumi.Input<string>;
    config: NodeConfig;
    /** Every generated file but alertmanager.yml (renderPlainFiles). */
    files: GeneratedFile[];
    volumes: Record<StatefulMonitoringService, docker.Volume>;
    /** Options every container gets (its parent, the provider). */
    opts: pulumi.CustomResourceOptions;
}

function monitoringContainer(
    ctx: MonitoringContext,
    id: ServiceId,
    args: Omit<docker.ContainerArgs, "name" | "user" | "networksAdvanced" | "labels">,
    dependsOn: pulumi.Resource[] = [],
): docker.Container {
    return namedContainer(
        `${ctx.name}-${specOf(id).containerSuffix}`,
        { ...serviceContainerArgs(ctx.stack, id, ctx.networkName), ...hardenedContainerArgs(), ...args },
        { ...ctx.opts, dependsOn },
    );
}

/** One generated file as an upload owned by its service's user; a sensitive one is readable by that user only. */
function fileUpload(file: GeneratedFile, content: pulumi.Input<string>, sensitive: boolean): docker.types.input.ContainerUpload {
    const { uid, gid } = specOf(file.service).user;
    return { file: file.containerPath, content, owner: String(uid), group: String(gid), permissions: sensitive ? "0400" : "0444" };
}

/** The deployable plain files of one service. */
function uploadsFor(id: ServiceId, files: GeneratedFile[]): docker.types.input.ContainerUpload[] {
    return files.filter((f) => f.service === id && f.deploy).map((f) => fileUpload(f, f.content, false));
}

/**
 * alertmanager.yml as an upload. With a webhook URL the file is rendered inside an apply of the URL's secret
 * Output, so the URL and the file exist only as secrets (encrypted in state, masked in logs).
 */
function alertmanagerUpload(webhookUrl: pulumi.Output<string | undefined> | undefined): docker.types.input.ContainerUpload {
    const withoutWebhook = renderAlertmanagerFile(undefined);
    if (webhookUrl === undefined) return fileUpload(withoutWebhook, withoutWebhook.content, false);
    return fileUpload(withoutWebhook, pulumi.secret(webhookUrl.apply((url) => renderAlertmanagerFile(url).content)), true);
}

/** An HTTP readiness probe on the service's own HTTP port, with the busybox wget these images ship. */
function wgetHealthcheck(id: "prometheus" | "alertmanager" | "grafana" | "nodeExporter", path: string): docker.types.input.ContainerHealthcheck {
    return healthcheck(["CMD", "wget", "-q", "--spider", `http://127.0.0.1:${SERVICES[id].ports.http}${path}`], {
        intervalSeconds: 30,
        timeoutSeconds: 10,
        retries: 5,
        startPeriodSeconds: 60,
    });
}

/** A UI published on bindAddress at its configured host port. */
function uiPort(ctx: MonitoringContext, id: "prometheus" | "alertmanager" | "grafana"): docker.types.input.ContainerPort {
    return privatePort(SERVICES[id].ports.http, ctx.config.ports[id], ctx.config.bindAddress);
}

export function prometheusCommand(retention: string, externalUrl: string): string[] {
    const p = SERVICES.prometheus;
    return [
        `--config.file=${p.configDir}/prometheus.yml`,
        `--storage.tsdb.path=${p.dataDir}`,
        `--storage.tsdb.retention.time=${retention}`,
        `--web.listen-address=:${p.ports.http}`,
        // Links in alerts and the UI point at the published address, not the container's.
        `--web.external-url=${externalUrl}`,
    ];
}

export function prometheusContainer(ctx: MonitoringContext, externalUrl: string): docker.Container {
    return monitoringContainer(ctx, "prometheus", {
        image: ctx.config.monitoring.images.prometheus,
        command: prometheusCommand(ctx.config.monitoring.prometheusRetention, externalUrl),
        volumes: [dataMount(ctx.volumes.prometheus, "prometheus")],
        uploads: uploadsFor("prometheus", ctx.files),
        ports: [uiPort(ctx, "prometheus")],
        healthcheck: wgetHealthcheck("prometheus", "/-/ready"),
        stopTimeout: PROMETHEUS_STOP_GRACE_SECONDS,
        destroyGraceSeconds: PROMETHEUS_STOP_GRACE_SECONDS,
    });
}

export function alertmanagerCommand(externalUrl: string): string[] {
    const a = SERVICES.alertmanager;
    return [
        `--config.file=${a.configDir}/alertmanager.yml`,
        `--storage.path=${a.dataDir}`,
        `--web.listen-address=:${a.ports.http}`,
        `--web.external-url=${externalUrl}`,
        // A single Alertmanager: no HA gossip listener.
        "--cluster.listen-address=",
    ];
}

export function alertmanagerContainer(ctx: MonitoringContext, externalUrl: string): docker.Container {
    return monitoringContainer(ctx, "alertmanager", {
        image: ctx.config.monitoring.images.alertmanager,
        command: alertmanagerCommand(externalUrl),
        volumes: [dataMount(ctx.volumes.alertmanager, "alertmanager")],
        uploads: [alertmanagerUpload(ctx.config.monitoring.alertWebhookUrl)],
        ports: [uiPort(ctx, "alertmanager")],
        healthcheck: wgetHealthcheck("alertmanager", "/-/ready"),
    });
}

/** Grafana's settings: no anonymous access, no sign-up, no phoning home; the password only as a file path. */
export function grafanaEnv(rootUrl: string): string[] {
    const g = SERVICES.grafana;
    return [
        `GF_SECURITY_ADMIN_USER=${GRAFANA_ADMIN_USER}`,
        `GF_SECURITY_ADMIN_PASSWORD__FILE=${GRAFANA_ADMIN_PASSWORD_FILE}`,
        "GF_AUTH_ANONYMOUS_ENABLED=false",
        "GF_USERS_ALLOW_SIGN_UP=false",
        "GF_USERS_ALLOW_ORG_CREATE=false",
        "GF_SECURITY_DISABLE_GRAVATAR=true",
        "GF_SECURITY_COOKIE_SAMESITE=strict",
        "GF_ANALYTICS_REPORTING_ENABLED=false",
        "GF_ANALYTICS_CHECK_FOR_UPDATES=false",
        "GF_ANALYTICS_CHECK_FOR_PLUGIN_UPDATES=false",
        `GF_PATHS_PROVISIONING=${g.configDir}/provisioning`,
        "GF_LOG_MODE=console",
        `GF_SERVER_HTTP_PORT=${g.ports.http}`,
        `GF_SERVER_ROOT_URL=${rootUrl}`,
    ];
}

export function grafanaContainer(ctx: MonitoringContext, rootUrl: string, adminPassword: pulumi.Output<string>, prometheus: docker.Container): docker.Container {
    const { uid, gid } = SERVICES.grafana.user;
    return monitoringContainer(
        ctx,
        "grafana",
        {
            image: ctx.config.monitoring.images.grafana,
            envs: grafanaEnv(rootUrl),
            volumes: [dataMount(ctx.volumes.grafana, "grafana")],
            uploads: [
                ...uploadsFor("grafana", ctx.files),
                { file: GRAFANA_ADMIN_PASSWORD_FILE, content: adminPassword, owner: String(uid), group: String(gid), permissions: "0400" },
            ],
            ports: [uiPort(ctx, "grafana")],
            healthcheck: wgetHealthcheck("grafana", "/api/health"),
        },
        [prometheus],
    );
}

/** Loki, Alloy and node-exporter are reached only over the Docker network: no published ports. */
export function lokiContainer(ctx: MonitoringContext): docker.Container {
    return monitoringContainer(ctx, "loki", {
        image: ctx.config.monitoring.images.loki,
        command: [`-config.file=${SERVICES.loki.configDir}/loki.yaml`],
        volumes: [dataMount(ctx.volumes.loki, "loki")],
        uploads: uploadsFor("loki", ctx.files),
    });
}

export function alloyCommand(): string[] {
    const a = SERVICES.alloy;
    return [
        "run",
        `--server.http.listen-addr=0.0.0.0:${a.ports.http}`,
        `--storage.path=${a.dataDir}`,
        "--disable-reporting",
        `${a.configDir}/config.alloy`,
    ];
}

export function alloyContainer(ctx: MonitoringContext, loki: docker.Container): docker.Container {
    return monitoringContainer(
        ctx,
        "alloy",
        {
            image: ctx.config.monitoring.images.alloy,
            command: alloyCommand(),
            volumes: [dataMount(ctx.volumes.alloy, "alloy")],
            mounts: [{ type: "bind", source: ctx.config.monitoring.dockerLogDir, target: COLLECTOR_DOCKER_LOG_DIR, readOnly: true }],
            uploads: uploadsFor("alloy", ctx.files),
        },
        [loki],
    );
}

export function nodeExporterCommand(): string[] {
    const [proc, sys, root] = NODE_EXPORTER_HOST_MOUNTS;
    return [
        `--path.procfs=${proc.target}`,
        `--path.sysfs=${sys.target}`,
        `--path.rootfs=${root.target}`,
        // Container and kernel pseudo-mounts would report Docker's overlay layers as "disks".
        "--collector.filesystem.mount-points-exclude=^/(dev|proc|sys|run/docker/netns|var/lib/docker/.+)($|/)",
        `--web.listen-address=:${SERVICES.nodeExporter.ports.http}`,
    ];
}

export function nodeExporterContainer(ctx: MonitoringContext): docker.Container {
    return monitoringContainer(ctx, "nodeExporter", {
        image: ctx.config.monitoring.images.nodeExporter,
        command: nodeExporterCommand(),
        mounts: NODE_EXPORTER_HOST_MOUNTS.map((m) => ({
            type: "bind",
            source: m.source,
            target: m.target,
            readOnly: true,
            // rslave: filesystems mounted on the host after start (new disks) become visible too.
            ...(m.source === "/" ? { bindOptions: { propagation: "rslave" } } : {}),
        })),
        healthcheck: wgetHealthcheck("nodeExporter", scrapeTargetOf("nodeExporter").path),
    });
}
