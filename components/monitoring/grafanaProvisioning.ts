/**
 * Grafana file provisioning: datasources with fixed uids (dashboards reference them by uid) and one file
 * provider that loads the generated dashboard JSON. Read-only in the UI: the code is the source of truth.
 */
import { datasourceUid, serviceUrl } from "../services";
import { toYaml } from "./yaml";

/** Folder of provisioned dashboard JSON inside the Grafana container (outside the data volume). */
export const GRAFANA_DASHBOARDS_DIR = "/etc/grafana/dashboards";

/**
 * `scrapeInterval` becomes Prometheus' `timeInterval`: Grafana's `$__rate_interval` is at least four times
 * it, so rate windows always span several scrapes whatever interval the stack uses.
 */
export function renderGrafanaDatasources(scrapeInterval: string): string {
    return toYaml({
        apiVersion: 1,
        datasources: [
            {
                name: "Prometheus",
                uid: datasourceUid("prometheus"),
                type: "prometheus",
                access: "proxy",
                url: serviceUrl("prometheus", "http"),
                isDefault: true,
                editable: false,
                jsonData: { httpMethod: "POST", timeInterval: scrapeInterval },
            },
            {
                name: "Loki",
                uid: datasourceUid("loki"),
                type: "loki",
                access: "proxy",
                url: serviceUrl("loki", "http"),
                editable: false,
                jsonData: { maxLines: 1000 },
            },
            {
                name: "Alertmanager",
                uid: datasourceUid("alertmanager"),
                type: "alertmanager",
                access: "proxy",
                url: serviceUrl("alertmanager", "http"),
                editable: false,
                jsonData: { implementation: "prometheus", handleGrafanaManagedAlerts: false },
            },
        ],
    });
}

export function renderGrafanaDashboardProvider(): string {
    return toYaml({
        apiVersion: 1,
        providers: [
            {
                name: "eth-node",
                folder: "Ethereum node",
                type: "file",
                disableDeletion: true,
                allowUiUpdates: false,
                updateIntervalSeconds: 60,
                options: { path: GRAFANA_DASHBOARDS_DIR, foldersFromFilesStructure: false },
            },
        ],
    });
}
