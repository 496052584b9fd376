/**
 * Network dashboard: the validator tracker's view of the consensus network — what valtrack's sentry discovers
 * and handshakes with, what its consumer writes, and NATS between them. Provisioned only when
 * `eth-node:validatorTracker` is on (buildDashboards). NATS exports no Prometheus metrics here (see
 * components/monitoring/valtrackMetrics.ts), so its panels show what the sentry and the consumer report.
 */
import { AlertThresholds } from "../components/monitoringConfig";
import { jobMatcher } from "../components/monitoring/promql";
import { VALTRACK_CONSUMER_METRIC_NAMES as C, VALTRACK_SENTRY_METRIC_NAMES as S } from "../components/monitoring/valtrackMetrics";
import { pendingLag, secondsSinceLastHandshake } from "../components/monitoring/rules/validatorTracker";
import { GeneratedDashboard, newDashboard, row, statPanel, timeseriesPanel } from "./common";

export function buildNetworkDashboard(t: AlertThresholds): GeneratedDashboard {
    const sj = jobMatcher("valtrackSentry");
    const cj = jobMatcher("valtrackConsumer");
    const perMinute = (metric: string, matchers: string, by: string) => `sum by (${by}) (rate(${metric}{${matchers}}[$__rate_interval])) * 60`;
    const quantile = (q: number, metric: string, matchers: string, by: string[]) =>
        `histogram_quantile(${q}, sum by (${["le", ...by].join(", ")}) (rate(${metric}_bucket{${matchers}}[$__rate_interval])))`;
    const model = newDashboard(
        "eth-node-network",
        "Network",
        "The validator tracker: nodes discovered by fork digest and client, handshake success and latency, validator observations, and NATS as the sentry and the consumer see it.",
    )
        .withRow(row("Now"))
        .withPanel(statPanel("Known nodes", "none", { expr: `sum(${S.knownNodes}{${sj}})` }))
        .withPanel(
            statPanel(
                "Seconds since last handshake",
                "s",
                { expr: secondsSinceLastHandshake(sj) },
                [
                    { value: null, color: "green" },
                    { value: t.valtrackHandshakeStaleSeconds, color: "red" },
                ],
                "Red from the age at which ValtrackNoHandshake counts the sentry stale (from its start while it has had none).",
            ),
        )
        .withPanel(
            statPanel(
                "Consumer lag (pending)",
                "none",
                { expr: `sum(${pendingLag(cj)})` },
                [
                    { value: null, color: "green" },
                    { value: t.valtrackConsumerLagMessages, color: "red" },
                ],
                "Messages NATS has not yet delivered to the consumer, as the server reports it; red above the ValtrackConsumerLagGrowing threshold.",
            ),
        )
        .withPanel(
            statPanel(
                "NATS reachable (consumer's view)",
                "none",
                { expr: `count(${pendingLag(cj)}) or vector(0)` },
                [
                    { value: null, color: "red" },
                    { value: 1, color: "green" },
                ],
                "1 while the consumer gets its lag from the NATS server, 0 when it cannot (NATS down, or the stream or consumer missing). NATS has no metrics endpoint here; NatsUnreachable alerts on this.",
            ),
        )
        .withRow(row("Discovery"))
        .withPanel(
            timeseriesPanel(
                "Nodes by fork digest",
                "none",
                [{ expr: `sum by (fork_digest) (${S.discoveredNodes}{${sj}})`, legend: "{{fork_digest}}" }],
                'Known nodes by the fork digest of their ENR ("none": no valid eth2 key; "other": past the label bound). The digest the sentry dials is in the next panel.',
            ),
        )
        .withPanel(timeseriesPanel("Fork digest dialed", "none", [{ expr: `${S.forkDigestInfo}{${sj}}`, legend: "{{fork}} {{fork_digest}}" }]))
        .withPanel(
            timeseriesPanel(
                "Successful handshakes per minute by client",
                "none",
                [{ expr: `${perMinute(S.handshakes, `${sj},result="success"`, "client")} > 0`, legend: "{{client}}" }],
                "Client families of the nodes the sentry completed a handshake with (from their agent string).",
            ),
        )
        .withPanel(
            timeseriesPanel("Dial queue and dials in flight", "none", [
                { expr: `sum(${S.dialQueueDepth}{${sj}})`, legend: "queued" },
                { expr: `sum(${S.dialsInFlight}{${sj}})`, legend: "in flight" },
            ]),
        )
        .withRow(row("Handshakes"))
        .withPanel(
            timeseriesPanel("Handshake success ratio", "percentunit", [
                {
                    expr: `sum(rate(${S.dials}{${sj},outcome="success"}[$__rate_interval])) / sum(rate(${S.dials}{${sj}}[$__rate_interval]))`,
                    legend: "success",
                },
            ]),
        )
        .withPanel(timeseriesPanel("Dial outcomes per minute", "none", [{ expr: perMinute(S.dials, sj, "outcome, direction"), legend: "{{outcome}} {{direction}}" }]))
        .withPanel(
            timeseriesPanel("Handshake latency by direction", "s", [
                { expr: quantile(0.5, S.handshakeLatency, sj, ["direction"]), legend: "p50 {{direction}}" },
                { expr: quantile(0.95, S.handshakeLatency, sj, ["direction"]), legend: "p95 {{direction}}" },
            ]),
        )
        .withRow(row("Inferred validators"))
        .withPanel(
            timeseriesPanel(
                "Rows written per minute by file",
                "none",
                [{ expr: perMinute(C.rowsWritten, cj, "file"), legend: "{{file}}" }],
                "Rows the consumer wrote to its parquet parts; validator_metadata_events are the observations validators are inferred from. The inferred validators themselves are served by the consumer's API (/validators, /stats), not exported as metrics.",
            ),
        )
        .withRow(row("NATS stream and consumer"))
        .withPanel(
            timeseriesPanel(
                "Sentry → NATS per minute",
                "none",
                [
                    { expr: perMinute(S.eventsPublished, sj, "sink"), legend: "published ({{sink}})" },
                    { expr: perMinute(S.publishFailures, sj, "sink"), legend: "failed attempts ({{sink}})" },
                    { expr: perMinute(S.eventsDropped, sj, "sink"), legend: "dropped ({{sink}})" },
                ],
                "Events the stream acknowledged, failed publish attempts (retried) and events dropped with the buffer full.",
            ),
        )
        .withPanel(timeseriesPanel("Events buffered in the sentry", "none", [{ expr: `sum by (sink) (${S.eventsBuffered}{${sj}})`, legend: "{{sink}}" }]))
        .withPanel(
            timeseriesPanel(
                "Connected to NATS",
                "none",
                [
                    { expr: `${S.natsConnected}{${sj}}`, legend: "sentry" },
                    { expr: `${C.natsConnected}{${cj}}`, legend: "consumer" },
                ],
                "1 while connected, 0 while reconnecting (NATS has no metrics of its own here).",
            ),
        )
        .withPanel(
            timeseriesPanel(
                "Consumer lag (server-reported)",
                "none",
                [{ expr: `sum by (state) (${C.lag}{${cj}})`, legend: "{{state}}" }],
                "pending: in the stream, not yet delivered to the consumer; ack_pending: delivered, not yet acknowledged (rows not yet durable).",
            ),
        )
        .withPanel(
            timeseriesPanel("Consumed and acknowledged per minute", "none", [
                { expr: perMinute(C.consumed, cj, "job"), legend: "consumed" },
                { expr: perMinute(C.acked, cj, "job"), legend: "acknowledged" },
                { expr: perMinute(C.deadLetters, cj, "job"), legend: "dead letters" },
            ]),
        )
        .withPanel(timeseriesPanel("Consumer flush latency p95", "s", [{ expr: quantile(0.95, C.flushSeconds, cj, []), legend: "p95" }]))
        .withPanel(timeseriesPanel("Consumer write blocked", "none", [{ expr: `${C.writeBlocked}{${cj}}`, legend: "{{instance}}" }]))
        .build();
    return { uid: "eth-node-network", fileName: "network.json", model };
}
