/**
 * The sentry's Prometheus metrics, in a registry of their own (no global state). Counters the sentry's parts
 * already keep (crawler, queue, table, sink) are read at scrape time from `sources`, so that no number is
 * counted twice in two places; what only the dialer sees is counted here.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'
import { failureClasses } from './backoff.js'
import { clientFamilies } from './clientFamily.js'
import type { CrawlerCounters } from './discovery/crawler.js'
import type { SinkStats } from './sinks/sink.js'

export const metricPrefix = 'valtrack_'

/** Label values of fork digests are bounded: records are attacker-controlled, so beyond this many the rest is "other". */
export const MAX_DIGEST_LABELS = 32

export type MetricSources = {
  crawler: () => CrawlerCounters
  nodesByDigest: () => Map<string, number>
  knownNodes: () => number
  queueDepth: () => number
  dialsInFlight: () => number
  /** The sink's counters; `connected` only from the NATS sink. */
  sink: () => SinkStats & { kind: 'nats' | 'jsonl'; connected?: boolean }
  currentFork: () => { digestHex: string; fork: string }
}

export type SentryMetrics = ReturnType<typeof createSentryMetrics>

/** Pure: digest counts with at most `max` labels, the smallest merged into "other". */
export function boundedDigestCounts(counts: Map<string, number>, max = MAX_DIGEST_LABELS): Map<string, number> {
  if (counts.size <= max) return counts
  const sorted = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
  const out = new Map(sorted.slice(0, max - 1))
  out.set('other', sorted.slice(max - 1).reduce((sum, [, n]) => sum + n, 0))
  return out
}

export function createSentryMetrics(sources: MetricSources, options: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry()
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: metricPrefix })
  const registers = [registry]

  /** A counter whose value lives elsewhere: set from the source at each scrape. */
  const mirroredCounter = (name: string, help: string, read: () => number) =>
    new Counter({
      name: `${metricPrefix}${name}`,
      help,
      registers,
      collect() {
        this.reset()
        this.inc(read())
      },
    })

  new Gauge({
    name: `${metricPrefix}discovered_nodes`,
    help: 'Known nodes by the fork digest of their ENR (8 hex digits; "none" without a valid eth2 key; "other" past the label bound)',
    labelNames: ['fork_digest'] as const,
    registers,
    collect() {
      this.reset()
      for (const [digest, n] of boundedDigestCounts(sources.nodesByDigest())) this.set({ fork_digest: digest }, n)
    },
  })
  new Gauge({ name: `${metricPrefix}known_nodes`, help: 'Nodes in the peer table', registers, collect() { this.set(sources.knownNodes()) } })
  new Gauge({ name: `${metricPrefix}dial_queue_depth`, help: 'Nodes waiting in the queue between discovery and the dialer', registers, collect() { this.set(sources.queueDepth()) } })
  new Gauge({ name: `${metricPrefix}dials_in_flight`, help: 'Dials and handshakes running now', registers, collect() { this.set(sources.dialsInFlight()) } })
  new Gauge({
    name: `${metricPrefix}fork_digest_info`,
    help: 'The fork digest the sentry dials (1 for the current one)',
    labelNames: ['fork_digest', 'fork'] as const,
    registers,
    collect() {
      this.reset()
      const f = sources.currentFork()
      this.set({ fork_digest: f.digestHex, fork: f.fork }, 1)
    },
  })

  mirroredCounter('crawl_rounds_total', 'Crawl passes that ended with every known node visited', () => sources.crawler().rounds)
  mirroredCounter('crawl_visits_total', 'Node visits (FINDNODE for each distance)', () => sources.crawler().visits)
  mirroredCounter('findnode_requests_total', 'FINDNODE requests sent', () => sources.crawler().requests)
  mirroredCounter('findnode_timeouts_total', 'FINDNODE requests unanswered within the timeout', () => sources.crawler().timeouts)
  mirroredCounter('findnode_errors_total', 'FINDNODE requests failed otherwise', () => sources.crawler().requestErrors)
  mirroredCounter('other_digest_visits_total', 'Visits of nodes on another fork digest (counted, not dialed)', () => sources.crawler().otherDigest)

  const sinkLabel = ['sink'] as const
  const sinkGauge = (name: string, help: string, read: (s: SinkStats) => number, counter: boolean) => {
    const config = {
      name: `${metricPrefix}${name}`,
      help,
      labelNames: sinkLabel,
      registers,
    }
    if (counter)
      return new Counter({
        ...config,
        collect() {
          this.reset()
          const s = sources.sink()
          this.inc({ sink: s.kind }, read(s))
        },
      })
    return new Gauge({
      ...config,
      collect() {
        const s = sources.sink()
        this.reset()
        this.set({ sink: s.kind }, read(s))
      },
    })
  }
  sinkGauge('events_published_total', 'Events acknowledged by NATS (sink="nats") or written to the JSON-lines files (sink="jsonl")', (s) => s.published, true)
  sinkGauge('events_publish_failures_total', 'Failed publish attempts (each is retried)', (s) => s.failed, true)
  sinkGauge('events_dropped_total', 'Events dropped because the buffer was full while the sink was unreachable', (s) => s.dropped, true)
  sinkGauge('events_buffered', 'Events waiting to be published', (s) => s.buffered, false)
  new Gauge({
    name: `${metricPrefix}nats_connected`,
    help: '1 while connected to NATS, 0 while not (reconnecting); absent without --nats',
    // Labelled like the other sink metrics; also because an unlabelled gauge is exported as 0 even when never set.
    labelNames: sinkLabel,
    registers,
    collect() {
      this.reset()
      const s = sources.sink()
      if (s.kind === 'nats') this.set({ sink: 'nats' }, s.connected ? 1 : 0)
    },
  })

  const events = new Counter({ name: `${metricPrefix}events_total`, help: 'Events emitted, by type', labelNames: ['type'] as const, registers })
  const dials = new Counter({
    name: `${metricPrefix}dials_total`,
    help: `Dial-and-handshake attempts by outcome: success or the failure class (${failureClasses.join(', ')})`,
    labelNames: ['outcome', 'direction'] as const,
    registers,
  })
  const handshakes = new Counter({
    name: `${metricPrefix}handshakes_total`,
    help: `Completed handshakes by result (success, failure) and client family (${clientFamilies.join(', ')})`,
    labelNames: ['result', 'client'] as const,
    registers,
  })
  const handshakeLatency = new Histogram({
    name: `${metricPrefix}handshake_latency_seconds`,
    help: 'From dial start to MetaData received, successful handshakes, by direction',
    labelNames: ['direction'] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  })
  const deferred = new Counter({
    name: `${metricPrefix}dials_deferred_total`,
    help: 'Nodes handed to the dialer while still backed off (they are dialed when the backoff ends)',
    registers,
  })
  const lastHandshake = new Gauge({ name: `${metricPrefix}last_handshake_timestamp_seconds`, help: 'Unix time of the last successful handshake (0 = none yet)', registers })

  return { registry, events, dials, handshakes, handshakeLatency, deferred, lastHandshake }
}
