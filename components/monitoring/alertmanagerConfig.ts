/**
 * alertmanager.yml from the stack config: one webhook receiver when `eth-node:alertWebhookUrl` is set,
 * otherwise a receiver with no integrations, so alerts are grouped and visible in the Alertmanager UI (and
 * Grafana) without being sent anywhere.
 */
import { toYaml } from "./yaml";

export const NULL_RECEIVER = "null";
export const WEBHOOK_RECEIVER = "webhook";

export interface AlertmanagerConfigInput {
    /** Webhook URL; may carry a token, so MonitoringStack uploads this file as a secret. */
    webhookUrl: string | undefined;
}

export function renderAlertmanagerConfig(input: AlertmanagerConfigInput): string {
    const receiver = input.webhookUrl ? WEBHOOK_RECEIVER : NULL_RECEIVER;
    const receivers: Record<string, unknown>[] = [{ name: NULL_RECEIVER }];
    if (input.webhookUrl) {
        receivers.push({ name: WEBHOOK_RECEIVER, webhook_configs: [{ url: input.webhookUrl, send_resolved: true }] });
    }
    return toYaml({
        route: {
            receiver,
            group_by: ["alertname", "job", "instance"],
            group_wait: "30s",
            group_interval: "5m",
            repeat_interval: "4h",
        },
        receivers,
        inhibit_rules: [
            // A full disk needs one page, not two: the critical alert silences the warning for the same mount.
            {
                source_matchers: ['alertname="DiskSpaceCritical"'],
                target_matchers: ['alertname="DiskSpaceLow"'],
                equal: ["instance", "mountpoint"],
            },
            // A target that is down explains its stale or missing metrics' alerts.
            {
                source_matchers: ['alertname="TargetDown"'],
                target_matchers: ['severity="warning"'],
                equal: ["job", "instance"],
            },
        ],
    });
}
