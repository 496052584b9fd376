/**
 * Reading the validator tracker's state in the e2e run: the consumer's API, NATS's own view of the EVENTS
 * stream (its monitoring endpoint, /jsz) and the stream sequences in the consumer's parquet parts (read by
 * valtrack's own `query` command inside the consumer's container, over its data volume).
 */
import { SERVICES } from "../../components/services";
import { exec, get } from "./runner";

/** The EVENTS stream and its durables as nats-server reports them (`/jsz?streams=true&consumers=true`). */
export interface StreamView {
    messages: number;
    firstSeq: number;
    lastSeq: number;
    consumers: Array<{ name: string; numPending: number; numAckPending: number }>;
}

/** Pure: the EVENTS stream's state out of a /jsz answer; undefined while the stream does not exist. */
export function eventsStreamOf(jsz: any): StreamView | undefined {
    for (const account of jsz.account_details ?? []) {
        for (const stream of account.stream_detail ?? []) {
            if (stream.name !== "EVENTS") continue;
            return {
                messages: stream.state.messages,
                firstSeq: stream.state.first_seq,
                lastSeq: stream.state.last_seq,
                consumers: (stream.consumer_detail ?? []).map((c: any) => ({ name: c.name, numPending: c.num_pending, numAckPending: c.num_ack_pending })),
            };
        }
    }
    return undefined;
}

export async function eventsStream(natsMonitoringUrl: string): Promise<StreamView | undefined> {
    const res = await get(`${natsMonitoringUrl}/jsz?streams=true&consumers=true`, { timeoutMs: 10_000 });
    if (res.status !== 200) throw new Error(`/jsz answered ${res.status}: ${res.body}`);
    return eventsStreamOf(JSON.parse(res.body));
}

/**
 * Every stream sequence in the consumer's finalised parts, with repeats, sorted: the discovery and metadata
 * files together hold each message's row once (validator_metadata_events repeats the metadata ones).
 */
export async function storedSeqs(consumerContainer: string): Promise<number[]> {
    const sql = "SELECT stream_seq FROM discovery_events UNION ALL SELECT stream_seq FROM metadata_events ORDER BY 1";
    const { stdout } = await exec(
        "docker",
        ["exec", consumerContainer, "node", "dist/main.js", "query", `--data-dir=${SERVICES.valtrackConsumer.dataDir}`, "--format=json", sql],
        { maxBuffer: 64 * 1024 * 1024 },
    );
    return (JSON.parse(stdout) as Array<{ stream_seq: number | string }>).map((r) => Number(r.stream_seq));
}

/** The parquet parts in the consumer's data volume, by path below its data dir. */
export async function partsOnDisk(consumerContainer: string): Promise<string[]> {
    const dataDir = SERVICES.valtrackConsumer.dataDir;
    const { stdout } = await exec("docker", ["exec", consumerContainer, "find", dataDir, "-name", "*.parquet"]);
    return stdout.split("\n").filter((l) => l.length > 0).map((l) => l.slice(dataDir.length + 1)).sort();
}

/** Pure: 1..n, what a stream that started empty and lost nothing holds after n messages. */
export const oneTo = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);

/** Pure: the running sentry's NATS sink totals from its /metrics text (events acknowledged by NATS, waiting). */
export function sinkTotals(metrics: string): { published: number; buffered: number } {
    const value = (name: string) => {
        const m = new RegExp(`^valtrack_${name}\\{sink="nats"\\} (\\d+)$`, "m").exec(metrics);
        if (!m) throw new Error(`valtrack_${name}{sink="nats"} not in the sentry's metrics`);
        return Number(m[1]);
    };
    return { published: value("events_published_total"), buffered: value("events_buffered") };
}

/** One run of the sentry as its log tells it: what its NATS sink published and dropped, whether it reconnected. */
export interface SentryRun {
    published: number;
    dropped: number;
    /** A "connection lost" followed by "connected" in this run. */
    reconnected: boolean;
}

/**
 * Pure: the sentry's runs out of its container log (JSON lines; a `docker restart` keeps the earlier runs'):
 * the runs that stopped (with the totals of their "sentry stopped" line) and the one still running, if any.
 */
export function sentryRuns(log: string): { stopped: SentryRun[]; current?: SentryRun & { running: true } } {
    const stopped: SentryRun[] = [];
    let current: (SentryRun & { running: true }) | undefined;
    let lost = false;
    for (const line of log.split("\n")) {
        let entry: { msg?: string; published?: number; dropped?: number };
        try {
            entry = JSON.parse(line);
        } catch {
            continue;
        }
        if (entry.msg === "sentry started") {
            current = { published: 0, dropped: 0, reconnected: false, running: true };
            lost = false;
        } else if (entry.msg === "nats: connection lost, reconnecting") lost = true;
        else if (entry.msg === "nats: connected" && lost && current) current.reconnected = true;
        else if (entry.msg === "sentry stopped") {
            stopped.push({ published: entry.published ?? 0, dropped: entry.dropped ?? 0, reconnected: current?.reconnected ?? false });
            current = undefined;
        }
    }
    return { stopped, current };
}
