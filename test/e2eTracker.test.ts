/**
 * The e2e run's readers of the validator tracker's state (test/e2e/tracker.ts), on input in the formats the
 * real programs write: nats-server's /jsz, the sentry's JSON-lines log and its Prometheus text.
 */
import { eventsStreamOf, oneTo, sentryRuns, sinkTotals } from "./e2e/tracker";

const line = (msg: string, extra: Record<string, unknown> = {}) => JSON.stringify({ ts: "2026-12-01T18:30:40.042Z", level: "info", msg, ...extra });

test("eventsStreamOf reads the EVENTS stream and its durables out of /jsz, and nothing while it does not exist", () => {
    const jsz = {
        account_details: [
            {
                name: "$G",
                stream_detail: [
                    { name: "OTHER", state: { messages: 9, first_seq: 1, last_seq: 9 } },
                    {
                        name: "EVENTS",
                        state: { messages: 17, bytes: 14238, first_seq: 18, last_seq: 34, consumer_count: 1 },
                        consumer_detail: [{ name: "eth-node-parquet", num_pending: 17, num_ack_pending: 0 }],
                    },
                ],
            },
        ],
    };
    expect(eventsStreamOf(jsz)).toEqual({ messages: 17, firstSeq: 18, lastSeq: 34, consumers: [{ name: "eth-node-parquet", numPending: 17, numAckPending: 0 }] });
    expect(eventsStreamOf({ account_details: [{ name: "$G" }] })).toBeUndefined();
    expect(eventsStreamOf({})).toBeUndefined();
});

test("sentryRuns splits the log into runs: totals of the stopped ones, a reconnect only when a loss came first", () => {
    const log = [
        line("sentry started"),
        line("nats: connected", { buffered: 16 }),
        "not json: a stray line",
        line("sentry stopped", { published: 17, dropped: 0 }),
        line("sentry started"),
        line("nats: connected", { buffered: 16 }),
        line("nats: connection lost, reconnecting"),
        line("nats: connected", { buffered: 0 }),
    ].join("\n");
    const runs = sentryRuns(log);
    expect(runs.stopped).toEqual([{ published: 17, dropped: 0, reconnected: false }]);
    expect(runs.current).toEqual({ published: 0, dropped: 0, reconnected: true, running: true });
    const ended = sentryRuns(`${log}\n${line("sentry stopped", { published: 16, dropped: 2 })}`);
    expect(ended.stopped).toEqual([{ published: 17, dropped: 0, reconnected: false }, { published: 16, dropped: 2, reconnected: true }]);
    expect(ended.current).toBeUndefined();
});

test("sinkTotals reads the NATS sink's counters, and names the one that is missing", () => {
    const metrics = [
        "# TYPE valtrack_events_published_total counter",
        'valtrack_events_published_total{sink="nats"} 17',
        'valtrack_events_buffered{sink="nats"} 3',
        'valtrack_events_published_total_other{sink="nats"} 99',
    ].join("\n");
    expect(sinkTotals(metrics)).toEqual({ published: 17, buffered: 3 });
    expect(() => sinkTotals('valtrack_events_published_total{sink="jsonl"} 1')).toThrow('valtrack_events_published_total{sink="nats"} not in');
});

test("oneTo", () => {
    expect(oneTo(3)).toEqual([1, 2, 3]);
    expect(oneTo(0)).toEqual([]);
});
