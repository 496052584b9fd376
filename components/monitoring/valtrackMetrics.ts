/**
 * Metric names the validator tracker's valtrack processes expose — the sentry (valtrack/src/metrics.ts) and the
 * consumer (valtrack/src/consumer/metrics.ts) — in one place so rules and dashboards follow a rename in one
 * edit; test/valtrackMetrics.test.ts checks each against the registries those files create (the built
 * valtrack/dist), and the metrics catalog marks them `"requires": "validatorTracker"`.
 *
 * NATS itself exports nothing Prometheus can scrape (nats-server serves JSON; its exporter is not available to
 * this build), so its health is read from these clients: their connection gauges, the lag the server reports
 * to the consumer, and the sentry's publish results.
 */
export const VALTRACK_SENTRY_METRIC_NAMES = {
    /** Gauge {fork_digest}: known nodes by the fork digest of their ENR. */
    discoveredNodes: "valtrack_discovered_nodes",
    /** Gauge: nodes in the peer table. */
    knownNodes: "valtrack_known_nodes",
    /** Gauge {fork_digest, fork}: 1 for the digest the sentry dials. */
    forkDigestInfo: "valtrack_fork_digest_info",
    /** Gauge: nodes waiting between discovery and the dialer. */
    dialQueueDepth: "valtrack_dial_queue_depth",
    /** Gauge: dials and handshakes running now. */
    dialsInFlight: "valtrack_dials_in_flight",
    /** Counter {outcome, direction}: dial-and-handshake attempts, outcome "success" or a failure class. */
    dials: "valtrack_dials_total",
    /** Counter {result, client}: completed handshakes by result and client family. */
    handshakes: "valtrack_handshakes_total",
    /** Histogram {direction}: dial start to MetaData received, successful handshakes. */
    handshakeLatency: "valtrack_handshake_latency_seconds",
    /** Gauge: unix time of the last successful handshake (0 = none yet). */
    lastHandshake: "valtrack_last_handshake_timestamp_seconds",
    /** Counter {sink}: events acknowledged by NATS (sink="nats"). */
    eventsPublished: "valtrack_events_published_total",
    /** Counter {sink}: failed publish attempts (each is retried). */
    publishFailures: "valtrack_events_publish_failures_total",
    /** Counter {sink}: events dropped because the buffer was full while the sink was unreachable. */
    eventsDropped: "valtrack_events_dropped_total",
    /** Gauge {sink}: events waiting to be published. */
    eventsBuffered: "valtrack_events_buffered",
    /** Gauge {sink="nats"}: 1 while the sentry's NATS sink is connected, 0 while it reconnects (absent without NATS). */
    natsConnected: "valtrack_nats_connected",
} as const;

export const VALTRACK_CONSUMER_METRIC_NAMES = {
    /** Counter: messages fetched from the stream. */
    consumed: "valtrack_consumer_consumed_total",
    /** Counter: messages acknowledged after their rows were durably on disk. */
    acked: "valtrack_consumer_acked_total",
    /** Counter: malformed messages set aside and acknowledged. */
    deadLetters: "valtrack_consumer_dead_letters_total",
    /** Counter {file}: rows in finalised parquet parts (validator_metadata_events: the validator observations). */
    rowsWritten: "valtrack_consumer_rows_written_total",
    /** Gauge: 1 while part writes fail (e.g. disk full). */
    writeBlocked: "valtrack_consumer_write_blocked",
    /** Gauge: 1 while the consumer is connected to NATS, 0 while it reconnects or retries its start. */
    natsConnected: "valtrack_consumer_nats_connected",
    /**
     * Gauge {state="pending"|"ack_pending"}: the consumer's lag as the NATS server reports it. Absent while the
     * consumer cannot get its consumer info from the server (not connected, or the stream/consumer is missing).
     */
    lag: "valtrack_consumer_lag",
    /** Histogram: writing and fsyncing one flush's parts. */
    flushSeconds: "valtrack_consumer_flush_seconds",
} as const;
