/**
 * prometheus.yml, generated from the scrape targets the components declare (components/endpoints.ts) plus
 * the monitoring stack's own. Nothing here is hand-maintained: adding a MetricsEndpoint adds a scrape job.
 */
import { MetricsEndpoint, scrapeAddress } from "../metrics";
import { MONITORING_SERVICES } from "./services";
import { toYaml } from "./yaml";

/** Rules file path relative to prometheus.yml; Prometheus resolves rule_files against the config's directory. */
export const PROMETHEUS_RULES_FILE = "rules/eth-node.rules.yml";

export interface PrometheusConfigInput {
    stack: string;
    scrapeInterval: string;
    /** Every scrape target: the node's components' and the monitoring stack's own. */
    targets: MetricsEndpoint[];
}

/** Fails on two targets with one job name: Prometheus would reject the file at start-up, far from the cause. */
export function assertUniqueJobs(targets: MetricsEndpoint[]): void {
    const seen = new Set<string>();
    for (const target of targets) {
        if (seen.has(target.job)) throw new Error(`Duplicate scrape job "${target.job}": every MetricsEndpoint needs its own job name`);
        seen.add(target.job);
    }
}

export function scrapeJob(target: MetricsEndpoint): Record<string, unknown> {
    return {
        job_name: target.job,
        metrics_path: target.path,
        static_configs: [{ targets: [scrapeAddress(target)] }],
    };
}

export function renderPrometheusConfig(input: PrometheusConfigInput): string {
    assertUniqueJobs(input.targets);
    const alertmanager = MONITORING_SERVICES.alertmanager;
    return toYaml({
        global: {
            scrape_interval: input.scrapeInterval,
            evaluation_interval: input.scrapeInterval,
            // Rules and Alertmanager see which stack an alert came from when several share a receiver.
            external_labels: { stack: input.stack },
        },
        rule_files: [PROMETHEUS_RULES_FILE],
        alerting: {
            alertmanagers: [{ static_configs: [{ targets: [`${alertmanager.alias}:${alertmanager.port}`] }] }],
        },
        scrape_configs: input.targets.map(scrapeJob),
    });
}
