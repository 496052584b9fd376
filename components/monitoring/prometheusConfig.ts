/**
 * prometheus.yml, generated from the registry's scrape targets (components/services.ts, scrapeTargets).
 * Nothing here is hand-maintained: giving a service a metrics endpoint adds its scrape job.
 */
import { ScrapeTarget, serviceAddress } from "../services";
import { toYaml } from "./yaml";

/** Rules file path relative to prometheus.yml; Prometheus resolves rule_files against the config's directory. */
export const PROMETHEUS_RULES_FILE = "rules/eth-node.rules.yml";

export interface PrometheusConfigInput {
    stack: string;
    scrapeInterval: string;
    targets: ScrapeTarget[];
}

/** Fails on two targets with one job name: Prometheus would reject the file at start-up, far from the cause. */
export function assertUniqueJobs(targets: ScrapeTarget[]): void {
    const seen = new Set<string>();
    for (const target of targets) {
        if (seen.has(target.job)) throw new Error(`Duplicate scrape job "${target.job}": every service needs its own job name`);
        seen.add(target.job);
    }
}

export function scrapeJob(target: ScrapeTarget): Record<string, unknown> {
    return {
        job_name: target.job,
        metrics_path: target.path,
        static_configs: [{ targets: [target.address] }],
    };
}

export function renderPrometheusConfig(input: PrometheusConfigInput): string {
    assertUniqueJobs(input.targets);
    return toYaml({
        global: {
            scrape_interval: input.scrapeInterval,
            evaluation_interval: input.scrapeInterval,
            // Rules and Alertmanager see which stack an alert came from when several share a receiver.
            external_labels: { stack: input.stack },
        },
        rule_files: [PROMETHEUS_RULES_FILE],
        alerting: {
            alertmanagers: [{ static_configs: [{ targets: [serviceAddress("alertmanager", "http")] }] }],
        },
        scrape_configs: input.targets.map(scrapeJob),
    });
}
