/**
 * Rule group "validator-tracker": valtrack's sentry and consumer, and NATS as they see it. Only rendered when
 * `eth-node:validatorTracker` is on (buildAlertRules). NATS exports no Prometheus metrics here (nats-server
 * serves JSON; prometheus-nats-exporter is not available to this build), so "NATS down" is what its clients
 * report: either one not connected, the consumer getting no consumer info (hence no lag) from the server, the
 * sentry failing to publish.
 */
import { AlertThresholds } from "../../monitoringConfig";
import { VALTRACK_CONSUMER_METRIC_NAMES as C, VALTRACK_SENTRY_METRIC_NAMES as S } from "../valtrackMetrics";
import { AlertRule, TEST_EVAL_MINUTES, TEST_INTERVAL_SECONDS, constant, flagRule, rising, scrapedLabels, selector } from "./rule";
import { jobMatcher } from "../promql";

/** valtrack's default process metrics carry its prefix (collectDefaultMetrics with prefix `valtrack_`). */
export const VALTRACK_PROCESS_START = "valtrack_process_start_time_seconds";

/**
 * Seconds since the sentry's last successful handshake, counted from its start while it has had none (the gauge
 * is 0 then): shared with the Network dashboard so panel and alert use one definition.
 */
export function secondsSinceLastHandshake(matcher: string = jobMatcher("valtrackSentry")): string {
    return `time() - (${S.lastHandshake}{${matcher}} > 0 or ${VALTRACK_PROCESS_START}{${matcher}})`;
}

/** The consumer's pending lag (messages the server has not yet delivered to it). */
export function pendingLag(matcher: string = jobMatcher("valtrackConsumer")): string {
    return `${C.lag}{${matcher},state="pending"}`;
}

/** The window over which consumer lag must be rising (and the `for` of ValtrackConsumerLagGrowing). */
export const LAG_GROWTH_WINDOW = "15m";

export function validatorTrackerRules(t: AlertThresholds): AlertRule[] {
    const sentry = scrapedLabels("valtrackSentry");
    const sentryNats = scrapedLabels("valtrackSentry", { sink: "nats" });
    const consumer = scrapedLabels("valtrackConsumer");
    const pending = scrapedLabels("valtrackConsumer", { state: "pending" });
    const sj = jobMatcher("valtrackSentry");
    const cj = jobMatcher("valtrackConsumer");
    const evalSeconds = TEST_EVAL_MINUTES * 60;
    const started = { series: selector(VALTRACK_PROCESS_START, sentry), values: constant(0) };
    const lag = t.valtrackConsumerLagMessages;
    const up = { series: selector("up", consumer), values: constant(1) };
    return [
        {
            group: "validator-tracker",
            alert: "ValtrackNoHandshake",
            expr: `${secondsSinceLastHandshake(sj)} > ${t.valtrackHandshakeStaleSeconds}`,
            for: "5m",
            severity: "warning",
            summary: `valtrack sentry has had no successful handshake for ${t.valtrackHandshakeStaleSeconds}s`,
            description: `The valtrack sentry at {{ $labels.instance }} has completed no handshake for more than ${t.valtrackHandshakeStaleSeconds}s (counted from its start if it has had none): it finds no dialable peers or every dial fails. See the Network dashboard's dial outcomes; check its P2P ports, bootnodes and the host's clock.`,
            fires: {
                series: [{ series: selector(S.lastHandshake, sentry), values: constant(evalSeconds - t.valtrackHandshakeStaleSeconds - 600) }, started],
                alerts: [sentry],
            },
            // A handshake every sample.
            quiet: { series: [{ series: selector(S.lastHandshake, sentry), values: rising(0, TEST_INTERVAL_SECONDS) }, started] },
        },
        {
            group: "validator-tracker",
            alert: "ValtrackConsumerLagGrowing",
            expr: `${pendingLag(cj)} > ${lag} and deriv(${pendingLag(cj)}[${LAG_GROWTH_WINDOW}]) > 0`,
            for: LAG_GROWTH_WINDOW,
            severity: "warning",
            summary: `valtrack consumer is more than ${lag} messages behind and falling further behind`,
            description: `NATS reports more than ${lag} messages not yet delivered to the valtrack consumer at {{ $labels.instance }}, and the backlog has grown for ${LAG_GROWTH_WINDOW}: the consumer cannot keep up with the sentry (CPU, disk) or is stuck. See the Network dashboard's NATS panels.`,
            fires: { series: [{ series: selector(C.lag, pending), values: rising(lag, 100) }], alerts: [pending] },
            // A large backlog that is not growing (the consumer keeps pace): not this alert.
            quiet: { series: [{ series: selector(C.lag, pending), values: constant(lag * 2) }] },
        },
        {
            group: "validator-tracker",
            alert: "NatsUnreachable",
            // Either client not connected, or the consumer answers its scrape but reports no lag (it could not get
            // its consumer's info: the stream or the durable is missing).
            expr: `${S.natsConnected}{${sj}} == 0 or ${C.natsConnected}{${cj}} == 0 or (up{${cj}} == 1 unless on (instance, job) ${C.lag}{${cj}})`,
            for: "5m",
            severity: "critical",
            summary: "NATS is unreachable from the validator tracker",
            description: `The valtrack {{ $labels.job }} at {{ $labels.instance }} has not been connected to NATS for 5 minutes, or (the consumer) is up but reports no lag from NATS: the stream or its durable consumer is missing. NATS has no metrics endpoint of its own here; this is its clients' view. Check the NATS container and its logs (Logs dashboard).`,
            // The sentry disconnected (the consumer connected and lagging 0), and the consumer without lag.
            fires: {
                series: [
                    { series: selector(S.natsConnected, sentryNats), values: constant(0) },
                    { series: selector(C.natsConnected, consumer), values: constant(1) },
                    up,
                ],
                alerts: [sentryNats, consumer],
            },
            quiet: {
                series: [
                    { series: selector(S.natsConnected, sentryNats), values: constant(1) },
                    { series: selector(C.natsConnected, consumer), values: constant(1) },
                    up,
                    { series: selector(C.lag, pending), values: constant(0) },
                ],
            },
        },
        {
            group: "validator-tracker",
            alert: "ValtrackSentryCannotPublish",
            expr: `rate(${S.publishFailures}{${sj},sink="nats"}[5m]) > 0 and rate(${S.eventsPublished}{${sj},sink="nats"}[5m]) == 0`,
            for: "5m",
            severity: "warning",
            summary: "valtrack sentry cannot publish to NATS",
            description: `The valtrack sentry at {{ $labels.instance }} has failed every publish to NATS for 5 minutes; its events are buffered and dropped once the buffer is full. NATS is down, unreachable or its stream is full.`,
            fires: {
                series: [
                    { series: selector(S.publishFailures, sentryNats), values: rising(0, 1) },
                    { series: selector(S.eventsPublished, sentryNats), values: constant(100) },
                ],
                alerts: [sentryNats],
            },
            // Failures that are retried while publishing goes on.
            quiet: {
                series: [
                    { series: selector(S.publishFailures, sentryNats), values: rising(0, 1) },
                    { series: selector(S.eventsPublished, sentryNats), values: rising(0, 10) },
                ],
            },
        },
        {
            group: "validator-tracker",
            alert: "ValtrackEventsDropped",
            expr: `increase(${S.eventsDropped}{${sj}}[10m]) > 0`,
            for: "1m",
            severity: "warning",
            summary: "valtrack sentry is dropping events",
            description: "The valtrack sentry at {{ $labels.instance }} dropped events in the last 10 minutes: its buffer filled while NATS was unreachable. Those observations are lost.",
            fires: { series: [{ series: selector(S.eventsDropped, sentryNats), values: rising(0, 1) }], alerts: [sentryNats] },
            quiet: { series: [{ series: selector(S.eventsDropped, sentryNats), values: constant(5) }] },
        },
        flagRule(
            {
                group: "validator-tracker",
                alert: "ValtrackConsumerWriteBlocked",
                for: "5m",
                severity: "critical",
                summary: "valtrack consumer cannot write its parquet parts",
                description: "The valtrack consumer reports write_blocked for 5 minutes: its part writes fail (disk full?). Nothing is acknowledged meanwhile, so NATS keeps the messages and the consumer lag grows.",
            },
            "valtrackConsumer",
            C.writeBlocked,
        ),
    ];
}

