/** Rule group "targets": a scrape target that stops answering. */
import { AlertRule, singleSeriesRule } from "./rule";

export function targetRules(): AlertRule[] {
    return [
        singleSeriesRule(
            {
                group: "targets",
                alert: "TargetDown",
                expr: "up == 0",
                for: "5m",
                severity: "critical",
                summary: "{{ $labels.job }} target {{ $labels.instance }} is down",
                description: "Prometheus could not scrape {{ $labels.job }} at {{ $labels.instance }} for 5 minutes: the container is stopped, restarting or not serving metrics.",
            },
            "execution",
            "up",
            { fires: 0, quiet: 1 },
        ),
    ];
}
