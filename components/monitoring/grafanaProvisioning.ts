/**
 * Grafana file provisioning: datasources with fixed uids (dashboards reference them by uid) and one file
 * provider that loads the generated dashboard JSON. Read-only in the UI: the code is the source of truth.
 */
import { DATASOURCE_UIDS, GRAFANA_DASHBOARDS_DIR, MONITORING_SERVICES } from "./services";
import { toYaml } from "./yaml";

const url = (service: "prometheus" | "loki" | "alertmanager"): string =>
    `http://${MONITORING_SERVICES[service].alias}:${MONITORING_SERVICES[service].port}`;

export function renderGrafanaDatasources(): string {
    return toYaml({
        apiVersion: 1,
        datasources: [
            {
                name: "Prometheus",
                uid: DATASOURCE_UIDS.prometheus,
                type: "prometheus",
                access: "proxy",
                url: url("prometheus"),
                isDefault: true,
                editable: false,
                jsonData: { httpMethod: "POST", timeInterval: "15s" },
            },
            {
                name: "Loki",
                uid: DATASOURCE_UIDS.loki,
                type: "loki",
                access: "proxy",
                url: url("loki"),
                editable: false,
                jsonData: { maxLines: 1000 },
            },
            {
                name: "Alertmanager",
                uid: DATASOURCE_UIDS.alertmanager,
                type: "alertmanager",
                access: "proxy",
                url: url("alertmanager"),
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
