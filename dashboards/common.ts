/// <reference path="./grafana-sdk.d.ts" />
/**
 * Panel and query helpers shared by the generated dashboards, so each dashboard module reads as a list of
 * questions (what is plotted, in which unit) rather than builder boilerplate.
 */
import * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import * as common from "@grafana/grafana-foundation-sdk/common";
import * as prometheus from "@grafana/grafana-foundation-sdk/prometheus";
import * as loki from "@grafana/grafana-foundation-sdk/loki";
import * as timeseries from "@grafana/grafana-foundation-sdk/timeseries";
import * as stat from "@grafana/grafana-foundation-sdk/stat";
import * as table from "@grafana/grafana-foundation-sdk/table";
import * as logs from "@grafana/grafana-foundation-sdk/logs";
import { datasourceUid } from "../components/services";

export const PROMETHEUS_DATASOURCE: common.DataSourceRef = { type: "prometheus", uid: datasourceUid("prometheus") };
export const LOKI_DATASOURCE: common.DataSourceRef = { type: "loki", uid: datasourceUid("loki") };

/** A dashboard ready for file provisioning: its uid, file name and bare JSON model. */
export interface GeneratedDashboard {
    uid: string;
    fileName: string;
    model: dashboard.Dashboard;
}

export interface Query {
    expr: string;
    legend?: string;
}

/** Every generated dashboard starts the same way: fixed uid, tags, UTC-free browser time, 30 s refresh. */
export function newDashboard(uid: string, title: string, description: string): dashboard.DashboardBuilder {
    return new dashboard.DashboardBuilder(title)
        .uid(uid)
        .description(description)
        .tags(["eth-node", "generated"])
        .timezone("browser")
        .refresh("30s")
        .time({ from: "now-6h", to: "now" })
        .readonly();
}

function promTarget(query: Query, refId: string, instant = false): prometheus.DataqueryBuilder {
    const target = new prometheus.DataqueryBuilder().datasource(PROMETHEUS_DATASOURCE).expr(query.expr).refId(refId);
    if (query.legend) target.legendFormat(query.legend);
    if (instant) target.instant().format(prometheus.PromQueryFormat.Table);
    return target;
}

const refIdFor = (i: number): string => String.fromCharCode(65 + i);

export function timeseriesPanel(title: string, unit: string, queries: Query[], description?: string): timeseries.PanelBuilder {
    const panel = new timeseries.PanelBuilder()
        .title(title)
        .datasource(PROMETHEUS_DATASOURCE)
        .unit(unit)
        .lineWidth(1)
        .fillOpacity(10)
        .legend(new common.VizLegendOptionsBuilder().showLegend(true).displayMode(common.LegendDisplayMode.List).placement(common.LegendPlacement.Bottom))
        .height(8)
        .span(12);
    if (description) panel.description(description);
    queries.forEach((q, i) => panel.withTarget(promTarget(q, refIdFor(i))));
    return panel;
}

/** A single number; `thresholds` colour it red below/above the given steps. */
export function statPanel(
    title: string,
    unit: string,
    query: Query,
    steps: dashboard.Threshold[] = [{ value: null, color: "green" }],
    description?: string,
): stat.PanelBuilder {
    const panel = new stat.PanelBuilder()
        .title(title)
        .datasource(PROMETHEUS_DATASOURCE)
        .unit(unit)
        .graphMode(common.BigValueGraphMode.Area)
        .colorMode(common.BigValueColorMode.Value)
        .thresholds(new dashboard.ThresholdsConfigBuilder().mode(dashboard.ThresholdsMode.Absolute).steps(steps))
        .height(4)
        .span(6)
        .withTarget(promTarget(query, "A"));
    if (description) panel.description(description);
    return panel;
}

/** Instant query shown as rows (one per series), labels as columns. */
export function tablePanel(title: string, query: Query, description?: string): table.PanelBuilder {
    const panel = new table.PanelBuilder()
        .title(title)
        .datasource(PROMETHEUS_DATASOURCE)
        .height(10)
        .span(24)
        .withTarget(promTarget(query, "A", true))
        // Drop the timestamp column of an instant query; keep the labels and the value.
        .withTransformation({ id: "organize", options: { excludeByName: { Time: true } } });
    if (description) panel.description(description);
    return panel;
}

export function lokiTimeseriesPanel(title: string, queries: Query[], description?: string): timeseries.PanelBuilder {
    const panel = new timeseries.PanelBuilder()
        .title(title)
        .datasource(LOKI_DATASOURCE)
        .unit("short")
        .drawStyle(common.GraphDrawStyle.Bars)
        .fillOpacity(60)
        .stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal))
        .height(8)
        .span(24);
    if (description) panel.description(description);
    queries.forEach((q, i) => {
        const target = new loki.DataqueryBuilder().datasource(LOKI_DATASOURCE).expr(q.expr).refId(refIdFor(i));
        if (q.legend) target.legendFormat(q.legend);
        panel.withTarget(target);
    });
    return panel;
}

export function logsPanel(title: string, expr: string): logs.PanelBuilder {
    return new logs.PanelBuilder()
        .title(title)
        .datasource(LOKI_DATASOURCE)
        .showTime(true)
        .wrapLogMessage(true)
        .enableLogDetails(true)
        .sortOrder(common.LogsSortOrder.Descending)
        .height(12)
        .span(24)
        .withTarget(new loki.DataqueryBuilder().datasource(LOKI_DATASOURCE).expr(expr).refId("A").maxLines(1000));
}

export function row(title: string): dashboard.RowBuilder {
    return new dashboard.RowBuilder(title);
}

/** Bare JSON for Grafana's file provider (no API envelope), stable across runs. */
export function dashboardJson(generated: GeneratedDashboard): string {
    return JSON.stringify(generated.model, null, 2) + "\n";
}
