/** Rule group "targets": a scrape target that stops answering. */
import { AlertRule, constant, scrapedLabels, selector } from "./rule";

export function targetRules(): AlertRule[] {
    const geth = scrapedLabels("execution");
    return [
        {
            group: "targets",
            alert: "TargetDown",
            expr: "up == 0",
            for: "5m",
            severity: "critical",
            summary: "{{ $labels.job }} target {{ $labels.instance }} is down",
            description: "Prometheus could not scrape {{ $labels.job }} at {{ $labels.instance }} for 5 minutes: the container is stopped, restarting or not serving metrics.",
            fires: { series: [{ series: selector("up", geth), values: constant(0) }], alerts: [geth] },
            quiet: { series: [{ series: selector("up", geth), values: constant(1) }] },
        },
    ];
}
