/** Logs dashboard: every container's log lines from Loki, by role, with an error-rate overview. */
import * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import { GeneratedDashboard, LOKI_DATASOURCE, logsPanel, lokiTimeseriesPanel, newDashboard, row } from "./common";

/** Every line shipped by the collector has a container_id label; role/stack come from the log attributes. */
const ALL_CONTAINERS = 'container_id=~".+"';
const ERROR_PATTERN = '|~ "(?i)(error|crit|fatal|panic)"';

export function buildLogsDashboard(): GeneratedDashboard {
    const roleVariable = new dashboard.QueryVariableBuilder("role")
        .label("Container role")
        .datasource(LOKI_DATASOURCE)
        .query("label_values(role)")
        .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
        .multi(true)
        .includeAll(true)
        .allValue(".*");
    const model = newDashboard("eth-node-logs", "Logs", "Container logs collected by Alloy into Loki, per container role.")
        .withVariable(roleVariable)
        .withRow(row("Volume"))
        .withPanel(
            lokiTimeseriesPanel("Log lines by role", [
                { expr: `sum by (role) (count_over_time({${ALL_CONTAINERS}, role=~"$role"}[$__interval]))`, legend: "{{role}}" },
            ]),
        )
        .withPanel(
            lokiTimeseriesPanel("Error-looking lines by role", [
                { expr: `sum by (role) (count_over_time({${ALL_CONTAINERS}, role=~"$role"} ${ERROR_PATTERN} [$__interval]))`, legend: "{{role}}" },
            ]),
        )
        .withRow(row("Lines"))
        // One logs panel per selected role (Grafana repeats it for each value of $role).
        .withPanel(logsPanel("$role", `{${ALL_CONTAINERS}, role=~"$role"}`).repeat("role").repeatDirection("v"))
        .withPanel(logsPanel("Errors, all containers", `{${ALL_CONTAINERS}} ${ERROR_PATTERN}`))
        .build();
    return { uid: "eth-node-logs", fileName: "logs.json", model };
}
