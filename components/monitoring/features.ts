/**
 * Which optional parts of the stack are deployed, as monitoring sees them. A registry service whose metrics
 * spec names a feature (components/services.ts) is scraped, alerted on and given its dashboard only when that
 * feature is on, so Prometheus never scrapes (and TargetDown never fires for) a container that does not exist.
 * The flags come from the node config (`eth-node:validatorTracker`); the registry says which services they cover.
 */
import { MonitoredFeature, ScrapeTarget, scrapeTargets } from "../services";

export type MonitoredFeatures = Readonly<Record<MonitoredFeature, boolean>>;

/** The default stack: no optional part deployed. */
export const NO_FEATURES: MonitoredFeatures = { validatorTracker: false };
/** Every optional part deployed (the monitoring tests cover every rule and panel with it). */
export const ALL_FEATURES: MonitoredFeatures = { validatorTracker: true };

/** The scrape targets of what is deployed, in registry order: the list prometheus.yml is generated from. */
export function monitoredScrapeTargets(features: MonitoredFeatures): ScrapeTarget[] {
    return scrapeTargets().filter((t) => t.feature === undefined || features[t.feature]);
}
