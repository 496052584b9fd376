/**
 * Every file the monitoring stack generates, as pure data: (stack, config, scrape targets) → files. The
 * MonitoringStack uploads exactly these into its containers and `npm run render` writes exactly these to
 * disk, so what an operator reviews (and what the tests validate) is what gets deployed.
 */
import * as path from "path";
import { MetricsEndpoint } from "../metrics";
import { MonitoringConfig } from "../monitoringConfig";
import { buildDashboards, dashboardJson } from "../../dashboards";
import { buildAlertRules, renderAlertRules, renderAlertRuleTests, RuleJobs, DEFAULT_RULE_JOBS } from "./alertRules";
import { renderAlertmanagerConfig } from "./alertmanagerConfig";
import { renderAlloyConfig } from "./alloyConfig";
import { renderGrafanaDashboardProvider, renderGrafanaDatasources } from "./grafanaProvisioning";
import { renderLokiConfig } from "./lokiConfig";
import { PROMETHEUS_RULES_FILE, renderPrometheusConfig } from "./prometheusConfig";
import { GRAFANA_DASHBOARDS_DIR, MONITORING_SERVICES, MonitoringService, monitoringSelfEndpoints } from "./services";

export interface GeneratedFile {
    /** The service whose container receives the file. */
    service: MonitoringService;
    /** Path inside the container. */
    containerPath: string;
    /** Path below the render directory (`<service dir>/...`), for `npm run render`. */
    renderPath: string;
    content: string;
    /** False for review/test-only files (the promtool rule tests), which are rendered but not deployed. */
    deploy: boolean;
    /** True when the content may carry a secret (the webhook URL): uploaded as a Pulumi secret. */
    sensitive: boolean;
}

export interface MonitoringFilesInput {
    stack: string;
    monitoring: MonitoringConfig;
    /** Scrape targets declared by the node's components (geth, prysm, peer-monitor). */
    targets: MetricsEndpoint[];
    /** Job names the rules filter on; defaults to the ones components/endpoints.ts declares. */
    ruleJobs?: RuleJobs;
}

/** Every scrape target: the components' plus the monitoring stack's own. */
export function allScrapeTargets(targets: MetricsEndpoint[]): MetricsEndpoint[] {
    return [...targets, ...monitoringSelfEndpoints()];
}

function file(service: MonitoringService, relative: string, content: string, opts: Partial<Pick<GeneratedFile, "deploy" | "sensitive">> = {}): GeneratedFile {
    return {
        service,
        containerPath: path.posix.join(MONITORING_SERVICES[service].configDir, relative),
        renderPath: path.posix.join(service === "nodeExporter" ? "node-exporter" : service, relative),
        content,
        deploy: opts.deploy ?? true,
        sensitive: opts.sensitive ?? false,
    };
}

export function renderMonitoringFiles(input: MonitoringFilesInput): GeneratedFile[] {
    const m = input.monitoring;
    const rules = buildAlertRules(m.thresholds, input.ruleJobs ?? DEFAULT_RULE_JOBS);
    const rulesFileName = path.posix.basename(PROMETHEUS_RULES_FILE);
    const dashboardsRelative = path.posix.relative(MONITORING_SERVICES.grafana.configDir, GRAFANA_DASHBOARDS_DIR);
    return [
        file("prometheus", "prometheus.yml", renderPrometheusConfig({ stack: input.stack, scrapeInterval: m.scrapeInterval, targets: allScrapeTargets(input.targets) })),
        file("prometheus", PROMETHEUS_RULES_FILE, renderAlertRules(rules)),
        file("prometheus", PROMETHEUS_RULES_FILE.replace(/\.yml$/, ".test.yml"), renderAlertRuleTests(rules, rulesFileName), { deploy: false }),
        file("alertmanager", "alertmanager.yml", renderAlertmanagerConfig({ webhookUrl: m.alertWebhookUrl }), { sensitive: m.alertWebhookUrl !== undefined }),
        file("grafana", "provisioning/datasources/eth-node.yaml", renderGrafanaDatasources()),
        file("grafana", "provisioning/dashboards/eth-node.yaml", renderGrafanaDashboardProvider()),
        ...buildDashboards(m.thresholds).map((d) => file("grafana", path.posix.join(dashboardsRelative, d.fileName), dashboardJson(d))),
        file("loki", "loki.yaml", renderLokiConfig({ retention: m.lokiRetention })),
        file("alloy", "config.alloy", renderAlloyConfig({ stack: input.stack })),
    ];
}
