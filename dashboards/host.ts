/** Host dashboard: node-exporter's view of the machine (CPU, memory, disks with fill-time, network, clock). */
import { AlertThresholds } from "../components/monitoringConfig";
import { REAL_FILESYSTEMS } from "../components/monitoring/rules/host";
import { GeneratedDashboard, newDashboard, row, statPanel, timeseriesPanel } from "./common";

export function buildHostDashboard(t: AlertThresholds): GeneratedDashboard {
    const fs = REAL_FILESYSTEMS;
    // Physical interfaces only: loopback, Docker bridges and veth pairs would double-count container traffic.
    const nic = 'device!~"lo|veth.*|docker.*|br-.*"';
    const model = newDashboard("eth-node-host", "Host", "CPU, memory, disk (with fill-time prediction), network and clock of the Docker host.")
        .withRow(row("Now"))
        .withPanel(
            statPanel("CPU busy", "percentunit", { expr: `1 - avg(rate(node_cpu_seconds_total{mode="idle"}[$__rate_interval]))` }, [
                { value: null, color: "green" },
                { value: 0.9, color: "red" },
            ]),
        )
        .withPanel(
            statPanel("Memory available", "percent", { expr: "node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes * 100" }, [
                { value: null, color: "red" },
                { value: t.memoryAvailableMinPercent, color: "green" },
            ]),
        )
        .withPanel(
            statPanel("Lowest free disk space", "percent", { expr: `min(node_filesystem_avail_bytes{${fs}} / node_filesystem_size_bytes{${fs}} * 100)` }, [
                { value: null, color: "red" },
                { value: t.diskCriticalPercent, color: "orange" },
                { value: t.diskWarnPercent, color: "green" },
            ]),
        )
        .withPanel(
            statPanel("Clock offset", "s", { expr: "node_timex_offset_seconds" }, [
                { value: null, color: "green" },
                { value: t.clockDriftSeconds, color: "red" },
            ]),
        )
        .withRow(row("CPU and memory"))
        .withPanel(
            timeseriesPanel("CPU by mode", "percentunit", [
                { expr: `sum by (mode) (rate(node_cpu_seconds_total{mode!="idle"}[$__rate_interval])) / scalar(count(node_cpu_seconds_total{mode="idle"}))`, legend: "{{mode}}" },
            ]),
        )
        .withPanel(
            timeseriesPanel("Load average", "none", [
                { expr: "node_load1", legend: "1m" },
                { expr: "node_load5", legend: "5m" },
                { expr: "node_load15", legend: "15m" },
            ]),
        )
        .withPanel(
            timeseriesPanel("Memory", "bytes", [
                { expr: "node_memory_MemTotal_bytes - node_memory_MemAvailable_bytes", legend: "used" },
                { expr: "node_memory_MemAvailable_bytes", legend: "available" },
                { expr: "node_memory_SwapTotal_bytes - node_memory_SwapFree_bytes", legend: "swap used" },
            ]),
        )
        .withRow(row("Disk"))
        .withPanel(
            timeseriesPanel("Free space by mount", "percent", [
                { expr: `node_filesystem_avail_bytes{${fs}} / node_filesystem_size_bytes{${fs}} * 100`, legend: "{{mountpoint}}" },
            ]),
        )
        .withPanel(
            timeseriesPanel(
                "Predicted free space in 7 days",
                "bytes",
                [{ expr: `predict_linear(node_filesystem_avail_bytes{${fs}}[6h], 7 * 86400)`, legend: "{{mountpoint}}" }],
                "Linear extrapolation of the last 6 hours; below zero means the disk fills within a week at the current rate.",
            ),
        )
        .withPanel(
            timeseriesPanel(
                "Hours until full (at the last 6 h rate)",
                "h",
                [
                    {
                        expr: `(node_filesystem_avail_bytes{${fs}} / -deriv(node_filesystem_avail_bytes{${fs}}[6h]) / 3600) > 0`,
                        legend: "{{mountpoint}}",
                    },
                ],
                "Only mounts that are filling are shown.",
            ),
        )
        .withPanel(
            timeseriesPanel("Disk throughput", "Bps", [
                { expr: "rate(node_disk_read_bytes_total[$__rate_interval])", legend: "{{device}} read" },
                { expr: "rate(node_disk_written_bytes_total[$__rate_interval])", legend: "{{device}} write" },
            ]),
        )
        .withPanel(
            timeseriesPanel("Disk busy", "percentunit", [{ expr: "rate(node_disk_io_time_seconds_total[$__rate_interval])", legend: "{{device}}" }]),
        )
        .withRow(row("Network and clock"))
        .withPanel(
            timeseriesPanel(
                "Network traffic",
                "Bps",
                [
                    { expr: `rate(node_network_receive_bytes_total{${nic}}[$__rate_interval])`, legend: "{{device}} in" },
                    { expr: `rate(node_network_transmit_bytes_total{${nic}}[$__rate_interval])`, legend: "{{device}} out" },
                ],
                "Interfaces of node-exporter's network namespace (see README: Monitoring, node-exporter).",
            ),
        )
        .withPanel(
            timeseriesPanel("Clock offset and estimated error", "s", [
                { expr: "node_timex_offset_seconds", legend: "offset" },
                { expr: "node_timex_estimated_error_seconds", legend: "estimated error" },
            ]),
        )
        .build();
    return { uid: "eth-node-host", fileName: "host.json", model };
}
