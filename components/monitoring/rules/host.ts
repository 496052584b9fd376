/** Rule group "host": node-exporter's view of disk, memory and clock. */
import { AlertThresholds } from "../../monitoringConfig";
import { AlertRule, InputSeries, Severity, constant, scrapedLabels, selector, singleSeriesRule } from "./rule";

/** Filesystems that are not real storage (or belong to containers) are left out of disk alerts and panels. */
export const REAL_FILESYSTEMS = 'fstype!~"tmpfs|ramfs|devtmpfs|overlay|squashfs|nsfs|autofs|fuse.lxcfs|tracefs"';

/** Series for "`part` of `whole` is `percentTimesTen`/10 %": whole = 1000, so the percentage is exact. */
function shareOf(whole: string, part: string, labels: Record<string, string>, percentTimesTen: number): InputSeries[] {
    return [
        { series: selector(whole, labels), values: constant(1000) },
        { series: selector(part, labels), values: constant(percentTimesTen) },
    ];
}

function diskRule(alert: string, severity: Severity, percent: number): AlertRule {
    const fs = REAL_FILESYSTEMS;
    const rootFs = scrapedLabels("nodeExporter", { device: "/dev/nvme0n1p1", fstype: "ext4", mountpoint: "/" });
    const writable = { series: selector("node_filesystem_readonly", rootFs), values: constant(0) };
    const freeSpace = (percentTimesTen: number) => [
        ...shareOf("node_filesystem_size_bytes", "node_filesystem_avail_bytes", rootFs, percentTimesTen),
        writable,
    ];
    return {
        group: "host",
        alert,
        expr: `(node_filesystem_avail_bytes{${fs}} / node_filesystem_size_bytes{${fs}} * 100 < ${percent}) and node_filesystem_readonly{${fs}} == 0`,
        for: severity === "critical" ? "2m" : "10m",
        severity,
        summary: `Less than ${percent}% disk space free on {{ $labels.mountpoint }}`,
        description:
            `Filesystem {{ $labels.mountpoint }} ({{ $labels.device }}) has less than ${percent}% of its space free. ` +
            (severity === "critical"
                ? "Geth and Prysm corrupt or stop when the disk fills: free space or grow the volume now."
                : "Plan to prune or grow the volume; see the Host dashboard's fill-time prediction."),
        fires: { series: freeSpace(percent * 10 - 5), alerts: [rootFs] },
        quiet: { series: freeSpace(percent * 10) },
    };
}

function memoryRule(t: AlertThresholds): AlertRule {
    const host = scrapedLabels("nodeExporter");
    const min = t.memoryAvailableMinPercent;
    return {
        group: "host",
        alert: "MemoryPressure",
        expr: `node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes * 100 < ${min}`,
        for: "5m",
        severity: "warning",
        summary: `Less than ${min}% of memory available`,
        description: `The host at {{ $labels.instance }} has had less than ${min}% of its memory available for 5 minutes; the kernel may OOM-kill Geth or Prysm.`,
        fires: { series: shareOf("node_memory_MemTotal_bytes", "node_memory_MemAvailable_bytes", host, min * 10 - 5), alerts: [host] },
        quiet: { series: shareOf("node_memory_MemTotal_bytes", "node_memory_MemAvailable_bytes", host, min * 10) },
    };
}

function clockRules(t: AlertThresholds): AlertRule[] {
    const host = scrapedLabels("nodeExporter");
    const drift = t.clockDriftSeconds;
    const clock = (offset: number, error: number) => [
        { series: selector("node_timex_offset_seconds", host), values: constant(offset) },
        { series: selector("node_timex_estimated_error_seconds", host), values: constant(error) },
    ];
    return [
        {
            group: "host",
            alert: "ClockDrift",
            expr: `abs(node_timex_offset_seconds) > ${drift} or node_timex_estimated_error_seconds > ${drift}`,
            for: "5m",
            severity: "warning",
            summary: `Host clock is off by more than ${drift}s`,
            description: `The host clock at {{ $labels.instance }} is more than ${drift}s off (offset or estimated error) for 5 minutes. Slots are 12 s long: a drifting clock makes the beacon node miss or reject messages. Check chrony/systemd-timesyncd.`,
            fires: { series: clock(-2 * drift, 0), alerts: [host] },
            quiet: { series: clock(-drift / 2, drift / 2) },
        },
        singleSeriesRule(
            {
                group: "host",
                alert: "ClockNotSynchronised",
                expr: "max_over_time(node_timex_sync_status[5m]) == 0",
                for: "10m",
                severity: "warning",
                summary: "Host clock is not synchronised",
                description: "The kernel reports the clock of {{ $labels.instance }} as unsynchronised for 15 minutes: no NTP daemon is disciplining it.",
            },
            "nodeExporter",
            "node_timex_sync_status",
            { fires: 0, quiet: 1 },
        ),
    ];
}

export function hostRules(t: AlertThresholds): AlertRule[] {
    return [
        diskRule("DiskSpaceLow", "warning", t.diskWarnPercent),
        diskRule("DiskSpaceCritical", "critical", t.diskCriticalPercent),
        memoryRule(t),
        ...clockRules(t),
    ];
}
