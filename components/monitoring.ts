/**
 * MonitoringStack: Prometheus, Alertmanager, Grafana, Loki, Alloy (log collector) and node-exporter on the
 * node's Docker network, configured entirely from generated files (components/monitoring/files.ts) so the
 * node is observable from its first `pulumi up` without anyone editing YAML on the host. Each service's
 * container is declared by its builder in components/monitoring/containers.ts.
 */
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import * as random from "@pulumi/random";
import { NodeConfig } from "./config";
import { dataVolume, hostUrl } from "./docker";
import {
    MonitoringContext,
    STATEFUL_MONITORING_SERVICES,
    StatefulMonitoringService,
    alertmanagerContainer,
    alloyContainer,
    grafanaContainer,
    lokiContainer,
    nodeExporterContainer,
    prometheusContainer,
} from "./monitoring/containers";
import { renderPlainFiles } from "./monitoring/files";

export type MonitoringService = StatefulMonitoringService | "nodeExporter";

export interface MonitoringStackArgs {
    /** Stack name; prefixes container and volume names so stacks can share a Docker host. */
    stack: string;
    /** Name of the node's private Docker network; every monitoring container joins it with its alias. */
    networkName: pulumi.Input<string>;
    /**
     * The parsed stack config: `config.monitoring` (images, retention, thresholds, the webhook secret), the
     * UIs' host ports, bindAddress and deleteVolumesOnDestroy, and `config.validatorTracker.enabled`, which
     * turns on the tracker's scrape jobs, rules and Network dashboard. What is scraped comes from the service
     * registry (components/services.ts), filtered by the features deployed (monitoring/features.ts).
     */
    config: NodeConfig;
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

    constructor(name: string, args: MonitoringStackArgs, opts?: pulumi.ComponentResourceOptions) {
        super("eth-node:index:MonitoringStack", name, {}, opts);
        const { config, stack } = args;
        const child = { parent: this };

        this.grafanaUrl = hostUrl(config.bindAddress, config.ports.grafana);
        this.prometheusUrl = hostUrl(config.bindAddress, config.ports.prometheus);
        this.alertmanagerUrl = hostUrl(config.bindAddress, config.ports.alertmanager);
        const password = new random.RandomPassword(`${name}-grafana-admin`, { length: 32, special: false }, child);
        this.grafanaAdminPassword = pulumi.secret(password.result);

        const ctx: MonitoringContext = {
            name,
            stack,
            networkName: args.networkName,
            config,
            files: renderPlainFiles({ stack, monitoring: config.monitoring, validatorTracker: config.validatorTracker.enabled }),
            volumes: this.dataVolumes(name, stack, config.deleteVolumesOnDestroy),
            opts: child,
        };
        const prometheus = prometheusContainer(ctx, this.prometheusUrl);
        const loki = lokiContainer(ctx);
        this.containers = {
            prometheus,
            alertmanager: alertmanagerContainer(ctx, this.alertmanagerUrl),
            grafana: grafanaContainer(ctx, this.grafanaUrl, this.grafanaAdminPassword, prometheus),
            loki,
            alloy: alloyContainer(ctx, loki),
            nodeExporter: nodeExporterContainer(ctx),
        };
        this.containerNames = mapValues(this.containers, (c) => c.name);
        this.volumeNames = mapValues(ctx.volumes, (v) => v.name);

        this.registerOutputs({
            grafanaUrl: this.grafanaUrl,
            prometheusUrl: this.prometheusUrl,
            alertmanagerUrl: this.alertmanagerUrl,
            grafanaAdminPassword: this.grafanaAdminPassword,
            volumeNames: this.volumeNames,
            containerNames: this.containerNames,
        });
    }

    private dataVolumes(name: string, stack: string, deleteOnDestroy: boolean): Record<StatefulMonitoringService, docker.Volume> {
        const volumes = {} as Record<StatefulMonitoringService, docker.Volume>;
        for (const service of STATEFUL_MONITORING_SERVICES) {
            volumes[service] = dataVolume(`${name}-${service}-data`, { stack, service, deleteOnDestroy }, { parent: this });
        }
        return volumes;
    }
}

function mapValues<K extends string, V, R>(record: Record<K, V>, f: (value: V) => R): Record<K, R> {
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, f(v as V)])) as Record<K, R>;
}
