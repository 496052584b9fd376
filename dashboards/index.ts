/** Every generated dashboard, in the order Grafana lists them. */
import { AlertThresholds } from "../components/monitoringConfig";
import { GeneratedDashboard } from "./common";
import { buildExecutionDashboard } from "./execution";
import { buildConsensusDashboard } from "./consensus";
import { buildPeersDashboard } from "./peers";
import { buildHostDashboard } from "./host";
import { buildLogsDashboard } from "./logs";

export { GeneratedDashboard, dashboardJson } from "./common";

export function buildDashboards(thresholds: AlertThresholds): GeneratedDashboard[] {
    return [
        buildExecutionDashboard(thresholds),
        buildConsensusDashboard(thresholds),
        buildPeersDashboard(thresholds),
        buildHostDashboard(thresholds),
        buildLogsDashboard(),
    ];
}
