/** Every generated dashboard of what is deployed, in the order Grafana lists them (Network: with the validator tracker). */
import { AlertThresholds } from "../components/monitoringConfig";
import { GeneratedDashboard } from "./common";
import { buildExecutionDashboard } from "./execution";
import { buildConsensusDashboard } from "./consensus";
import { buildPeersDashboard } from "./peers";
import { buildHostDashboard } from "./host";
import { buildLogsDashboard } from "./logs";
import { buildNetworkDashboard } from "./network";
import { MonitoredFeatures } from "../components/monitoring/features";

export { GeneratedDashboard, dashboardJson } from "./common";

export function buildDashboards(thresholds: AlertThresholds, features: MonitoredFeatures): GeneratedDashboard[] {
    return [
        buildExecutionDashboard(thresholds),
        buildConsensusDashboard(thresholds),
        buildPeersDashboard(thresholds),
        ...(features.validatorTracker ? [buildNetworkDashboard(thresholds)] : []),
        buildHostDashboard(thresholds),
        buildLogsDashboard(),
    ];
}
