/**
 * Every file the monitoring stack generates, as pure data: (stack, config) → files. The MonitoringStack
 * uploads exactly these into its containers and `npm run render` writes exactly these to disk, so what an
 * operator reviews (and what the tests validate) is what gets deployed.
 *
 * alertmanager.yml is the one file that can hold a secret (the webhook URL). It is rendered on its own
 * (renderAlertmanagerFile), so MonitoringStack can render it inside an apply of the secret while every other
 * file stays a plain, reviewable string.
 */
import * as path from "path";
import { MonitoringConfig } from "../monitoringConfig";
import { SERVICES, ServiceId, specOf } from "../services";
import { monitoredScrapeTargets } from "./features";
import { buildDashboards, dashboardJson } from "../../dashboards";
import { buildAlertRules, renderAlertRules, renderAlertRuleTests } from "./alertRules";
import { renderAlertmanagerConfig } from "./alertmanagerConfig";
import { renderAlloyConfig } from "./alloyConfig";
import { GRAFANA_DASHBOARDS_DIR, renderGrafanaDashboardProvider, renderGrafanaDatasources } from "./grafanaProvisioning";
import { renderLokiConfig } from "./lokiConfig";
import { PROMETHEUS_RULES_FILE, renderPrometheusConfig } from "./prometheusConfig";

export interface GeneratedFile {
    /** The service whose container receives the file. */
    service: ServiceId;
    /** Path inside the container. */
    containerPath: string;
    /** Path below the render directory (`<container suffix>/...`), for `npm run render`. */
    renderPath: string;
    content: string;
    /** False for review/test-only files (the promtool rule tests), which are rendered but not deployed. */
    deploy: boolean;
    /** True when the content holds a secret (the webhook URL): rendered inside an apply of the secret. */
    sensitive: boolean;
}

export interface MonitoringFilesInput {
    stack: string;
    monitoring: MonitoringConfig;
    /**
     * `config.validatorTracker.enabled`: its services are scraped, its rules and its Network dashboard rendered
     * only when it is deployed. Absent: off.
     */
    validatorTracker?: boolean;
}

function file(service: ServiceId, relative: string, content: string, opts: Partial<Pick<GeneratedFile, "deploy" | "sensitive">> = {}): GeneratedFile {
    const { configDir, containerSuffix } = specOf(service);
    if (configDir === undefined) throw new Error(`service ${service} has no config directory`);
    return {
        service,
        containerPath: path.posix.join(configDir, relative),
        renderPath: path.posix.join(containerSuffix, relative),
        content,
        deploy: opts.deploy ?? true,
        sensitive: opts.sensitive ?? false,
    };
}

/** Every generated file except alertmanager.yml: none of them holds a secret. */
export function renderPlainFiles(input: MonitoringFilesInput): GeneratedFile[] {
    const m = input.monitoring;
    const features = { validatorTracker: input.validatorTracker ?? false };
    const rules = buildAlertRules(m.thresholds, features);
    const rulesFileName = path.posix.basename(PROMETHEUS_RULES_FILE);
    const dashboardsRelative = path.posix.relative(SERVICES.grafana.configDir, GRAFANA_DASHBOARDS_DIR);
    return [
        file("prometheus", "prometheus.yml", renderPrometheusConfig({ stack: input.stack, scrapeInterval: m.scrapeInterval, targets: monitoredScrapeTargets(features) })),
        file("prometheus", PROMETHEUS_RULES_FILE, renderAlertRules(rules)),
        file("prometheus", PROMETHEUS_RULES_FILE.replace(/\.yml$/, ".test.yml"), renderAlertRuleTests(rules, rulesFileName), { deploy: false }),
        file("grafana", "provisioning/datasources/eth-node.yaml", renderGrafanaDatasources(m.scrapeInterval)),
        file("grafana", "provisioning/dashboards/eth-node.yaml", renderGrafanaDashboardProvider()),
        ...buildDashboards(m.thresholds, features).map((d) => file("grafana", path.posix.join(dashboardsRelative, d.fileName), dashboardJson(d))),
        file("loki", "loki.yaml", renderLokiConfig({ retention: m.lokiRetention })),
        file("alloy", "config.alloy", renderAlloyConfig({ stack: input.stack })),
    ];
}

/** alertmanager.yml. With a webhook URL its content is secret: call this only inside an apply of the secret. */
export function renderAlertmanagerFile(webhookUrl: string | undefined): GeneratedFile {
    return file("alertmanager", "alertmanager.yml", renderAlertmanagerConfig({ webhookUrl }), { sensitive: webhookUrl !== undefined });
}

/** Every generated file, as `npm run render` writes them (it passes a placeholder for a secret webhook URL). */
export function renderMonitoringFiles(input: MonitoringFilesInput, webhookUrl: string | undefined): GeneratedFile[] {
    return [...renderPlainFiles(input), renderAlertmanagerFile(webhookUrl)];
}
