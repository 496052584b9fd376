/**
 * MonitoringStack: Prometheus, Alertmanager, Grafana, Loki, Alloy (log collector) and node-exporter on the
 * node's Docker network, configured entirely from generated files (components/monitoring/files.ts) so the
 * node is observable from its first `pulumi up` without anyone editing YAML on the host.
 */
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import * as random from "@pulumi/random";
import { NodeConfig } from "./config";
import { dataVolume, hardenedContainerArgs, hostUrl, privatePort, stackLabels } from "./docker";
import { MetricsEndpoint } from "./metrics";
import { GeneratedFile, renderMonitoringFiles } from "./monitoring/files";
import {
    COLLECTOR_DOCKER_LOG_DIR,
    GRAFANA_ADMIN_PASSWORD_FILE,
    GRAFANA_ADMIN_USER,
    MONITORING_SERVICES,
    MonitoringService,
    NODE_EXPORTER_HOST_MOUNTS,
    monitoringSelfEndpoints,
} from "./monitoring/services";

export interface MonitoringStackArgs {
    /** Stack name; prefixes container and volume names so stacks can share a Docker host. */
    stack: string;
    /** Name of the node's private Docker network; every monitoring container joins it with its alias. */
    networkName: pulumi.Input<string>;
    /** The parsed stack config: `config.monitoring` (images, retention, thresholds, webhook), ports, bindAddress. */
    config: NodeConfig;
    /** Scrape targets the node's components declare (geth, prysm, peer-monitor; components/endpoints.ts). */
    targets: MetricsEndpoint[];
}

/** Services with a named data volume (node-exporter keeps no state). */
export type StatefulMonitoringService = Exclude<MonitoringService, "nodeExporter">;
const STATEFUL_SERVICES: StatefulMonitoringService[] = ["prometheus", "alertmanager", "grafana", "loki", "alloy"];

/** Prometheus flushes its head block and WAL on shutdown; give it time rather than a SIGKILL. */
export const PROMETHEUS_STOP_GRACE_SECONDS = 120;

/** The uploads for one service: its deployable generated files, owned by the service's user. */
export function uploadsFor(service: MonitoringService, files: GeneratedFile[]): docker.types.input.ContainerUpload[] {
    const [uid, gid] = MONITORING_SERVICES[service].user.split(":");
    return files
        .filter((f) => f.service === service && f.deploy)
        .map((f) => ({
            file: f.containerPath,
            // A file that may carry a token (the webhook URL) stays encrypted in the Pulumi state.
            content: f.sensitive ? pulumi.secret(f.content) : f.content,
            owner: uid,
            group: gid,
            permissions: f.sensitive ? "0400" : "0444",
        }));
}

/** Grafana's settings: no anonymous access, no sign-up, no phoning home; the password only as a file path. */
export function grafanaEnv(rootUrl: string): string[] {
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
        `GF_PATHS_PROVISIONING=${MONITORING_SERVICES.grafana.configDir}/provisioning`,
        "GF_LOG_MODE=console",
        `GF_SERVER_HTTP_PORT=${MONITORING_SERVICES.grafana.port}`,
        `GF_SERVER_ROOT_URL=${rootUrl}`,
    ];
}

export function prometheusCommand(retention: string, externalUrl: string): string[] {
    const p = MONITORING_SERVICES.prometheus;
    return [
        `--config.file=${p.configDir}/prometheus.yml`,
        `--storage.tsdb.path=${p.dataDir}`,
        `--storage.tsdb.retention.time=${retention}`,
        `--web.listen-address=:${p.port}`,
        // Links in alerts and the UI point at the published address, not the container's.
        `--web.external-url=${externalUrl}`,
    ];
}

export function alertmanagerCommand(externalUrl: string): string[] {
    const a = MONITORING_SERVICES.alertmanager;
    return [
        `--config.file=${a.configDir}/alertmanager.yml`,
        `--storage.path=${a.dataDir}`,
        `--web.listen-address=:${a.port}`,
        `--web.external-url=${externalUrl}`,
        // A single Alertmanager: no HA gossip listener.
        "--cluster.listen-address=",
    ];
}

export function nodeExporterCommand(): string[] {
    const [proc, sys, root] = NODE_EXPORTER_HOST_MOUNTS;
    return [
        `--path.procfs=${proc.target}`,
        `--path.sysfs=${sys.target}`,
        `--path.rootfs=${root.target}`,
        // Container and kernel pseudo-mounts would report Docker's overlay layers as "disks".
        "--collector.filesystem.mount-points-exclude=^/(dev|proc|sys|run/docker/netns|var/lib/docker/.+)($|/)",
        `--web.listen-address=:${MONITORING_SERVICES.nodeExporter.port}`,
    ];
}

export function alloyCommand(): string[] {
    const a = MONITORING_SERVICES.alloy;
    return [
        "run",
        `--server.http.listen-addr=0.0.0.0:${a.port}`,
        `--storage.path=${a.dataDir}`,
        "--disable-reporting",
        `${a.configDir}/config.alloy`,
    ];
}

/** An HTTP readiness probe with the busybox wget these images ship. */
function wgetHealthcheck(port: number, path: string): docker.types.input.ContainerHealthcheck {
    return {
        tests: ["CMD", "wget", "-q", "--spider", `http://127.0.0.1:${port}${path}`],
        interval: "30s",
        timeout: "10s",
        retries: 5,
        startPeriod: "1m",
    };
}

export class MonitoringStack extends pulumi.ComponentResource {
    public readonly grafanaUrl: string;
    public readonly prometheusUrl: string;
    public readonly alertmanagerUrl: string;
    /** Grafana's `admin` password; a Pulumi secret (`pulumi stack output --show-secrets grafanaAdminPassword`). */
    public readonly grafanaAdminPassword: pulumi.Output<string>;
    public readonly volumeNames: Record<StatefulMonitoringService, pulumi.Output<string>>;
    public readonly containerNames: Record<MonitoringService, pulumi.Output<string>>;
    public readonly containers: Record<MonitoringService, docker.Container>;
    /** The monitoring stack's own scrape targets (it scrapes them itself). */
    public readonly metricsEndpoints: MetricsEndpoint[] = monitoringSelfEndpoints();
    /** The generated files this stack deploys (same as `npm run render`). */
    public readonly files: GeneratedFile[];

    constructor(name: string, args: MonitoringStackArgs, opts?: pulumi.ComponentResourceOptions) {
        super("eth-node:index:MonitoringStack", name, {}, opts);
        const child = { parent: this };
        const { config, stack } = args;
        const monitoring = config.monitoring;
        const prefix = `eth-node-${stack}`;

        this.grafanaUrl = hostUrl(config.bindAddress, config.ports.grafana);
        this.prometheusUrl = hostUrl(config.bindAddress, config.ports.prometheus);
        this.alertmanagerUrl = hostUrl(config.bindAddress, config.ports.alertmanager);
        this.files = renderMonitoringFiles({ stack, monitoring, targets: args.targets });

        const password = new random.RandomPassword(`${name}-grafana-admin`, { length: 32, special: false }, child);
        this.grafanaAdminPassword = pulumi.secret(password.result);

        const volumes = {} as Record<StatefulMonitoringService, docker.Volume>;
        for (const service of STATEFUL_SERVICES) {
            volumes[service] = dataVolume(
                `${name}-${service}-data`,
                {
                    name: `${prefix}-${service}-data`,
                    stack,
                    role: service,
                    deleteOnDestroy: config.deleteVolumesOnDestroy,
                },
                child,
            );
        }

        const base = (service: MonitoringService, role: string): Partial<docker.ContainerArgs> => {
            const spec = MONITORING_SERVICES[service];
            return {
                name: `${prefix}-${spec.alias}`,
                user: spec.user,
                ...hardenedContainerArgs(),
                networksAdvanced: [{ name: args.networkName, aliases: [spec.alias] }],
                labels: stackLabels(stack, role),
            };
        };
        const dataMount = (service: StatefulMonitoringService): docker.types.input.ContainerVolume => ({
            volumeName: volumes[service].name,
            containerPath: MONITORING_SERVICES[service].dataDir!,
        });
        const ports = MONITORING_SERVICES;

        const prometheus = new docker.Container(
            `${name}-prometheus`,
            {
                ...base("prometheus", "prometheus"),
                image: monitoring.images.prometheus,
                command: prometheusCommand(monitoring.prometheusRetention, this.prometheusUrl),
                volumes: [dataMount("prometheus")],
                uploads: uploadsFor("prometheus", this.files),
                ports: [privatePort(ports.prometheus.port, config.ports.prometheus, config.bindAddress)],
                healthcheck: wgetHealthcheck(ports.prometheus.port, "/-/ready"),
                stopTimeout: PROMETHEUS_STOP_GRACE_SECONDS,
                destroyGraceSeconds: PROMETHEUS_STOP_GRACE_SECONDS,
            },
            child,
        );

        const alertmanager = new docker.Container(
            `${name}-alertmanager`,
            {
                ...base("alertmanager", "alertmanager"),
                image: monitoring.images.alertmanager,
                command: alertmanagerCommand(this.alertmanagerUrl),
                volumes: [dataMount("alertmanager")],
                uploads: uploadsFor("alertmanager", this.files),
                ports: [privatePort(ports.alertmanager.port, config.ports.alertmanager, config.bindAddress)],
                healthcheck: wgetHealthcheck(ports.alertmanager.port, "/-/ready"),
            },
            child,
        );

        const [grafanaUid, grafanaGid] = ports.grafana.user.split(":");
        const grafana = new docker.Container(
            `${name}-grafana`,
            {
                ...base("grafana", "grafana"),
                image: monitoring.images.grafana,
                envs: grafanaEnv(this.grafanaUrl),
                volumes: [dataMount("grafana")],
                uploads: [
                    ...uploadsFor("grafana", this.files),
                    {
                        file: GRAFANA_ADMIN_PASSWORD_FILE,
                        content: this.grafanaAdminPassword,
                        owner: grafanaUid,
                        group: grafanaGid,
                        permissions: "0400",
                    },
                ],
                ports: [privatePort(ports.grafana.port, config.ports.grafana, config.bindAddress)],
                healthcheck: wgetHealthcheck(ports.grafana.port, "/api/health"),
            },
            { ...child, dependsOn: [prometheus] },
        );

        // Loki and node-exporter are reached only over the Docker network: no published ports.
        const loki = new docker.Container(
            `${name}-loki`,
            {
                ...base("loki", "loki"),
                image: monitoring.images.loki,
                command: [`-config.file=${ports.loki.configDir}/loki.yaml`],
                volumes: [dataMount("loki")],
                uploads: uploadsFor("loki", this.files),
            },
            child,
        );

        const alloy = new docker.Container(
            `${name}-alloy`,
            {
                ...base("alloy", "alloy"),
                image: monitoring.images.alloy,
                command: alloyCommand(),
                volumes: [dataMount("alloy")],
                mounts: [{ type: "bind", source: monitoring.dockerLogDir, target: COLLECTOR_DOCKER_LOG_DIR, readOnly: true }],
                uploads: uploadsFor("alloy", this.files),
            },
            { ...child, dependsOn: [loki] },
        );

        const nodeExporter = new docker.Container(
            `${name}-node-exporter`,
            {
                ...base("nodeExporter", "node-exporter"),
                image: monitoring.images.nodeExporter,
                command: nodeExporterCommand(),
                mounts: NODE_EXPORTER_HOST_MOUNTS.map((m) => ({
                    type: "bind",
                    source: m.source,
                    target: m.target,
                    readOnly: true,
                    // rslave: filesystems mounted on the host after start (new disks) become visible too.
                    ...(m.source === "/" ? { bindOptions: { propagation: "rslave" } } : {}),
                })),
                healthcheck: wgetHealthcheck(ports.nodeExporter.port, "/metrics"),
            },
            child,
        );

        this.containers = { prometheus, alertmanager, grafana, loki, alloy, nodeExporter };
        this.containerNames = {
            prometheus: prometheus.name,
            alertmanager: alertmanager.name,
            grafana: grafana.name,
            loki: loki.name,
            alloy: alloy.name,
            nodeExporter: nodeExporter.name,
        };
        this.volumeNames = {
            prometheus: volumes.prometheus.name,
            alertmanager: volumes.alertmanager.name,
            grafana: volumes.grafana.name,
            loki: volumes.loki.name,
            alloy: volumes.alloy.name,
        };

        this.registerOutputs({
            grafanaUrl: this.grafanaUrl,
            prometheusUrl: this.prometheusUrl,
            alertmanagerUrl: this.alertmanagerUrl,
            grafanaAdminPassword: this.grafanaAdminPassword,
            volumeNames: this.volumeNames,
            containerNames: this.containerNames,
            metricsEndpoints: this.metricsEndpoints,
        });
    }
}
