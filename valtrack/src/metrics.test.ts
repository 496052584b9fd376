import { boundedDigestCounts, createSentryMetrics, type MetricSources } from './metrics.js'

const crawler = { rounds: 3, visits: 40, nodesFound: 12, requests: 600, timeouts: 7, requestErrors: 1, enqueued: 30, otherDigest: 10 }
const sources = (over: Partial<MetricSources> = {}): MetricSources => ({
  crawler: () => crawler,
  nodesByDigest: () => new Map([['6a95a1a9', 9], ['none', 2], ['01020304', 1]]),
  knownNodes: () => 12,
  queueDepth: () => 4,
  dialsInFlight: () => 2,
  sink: () => ({ kind: 'nats', published: 100, failed: 5, buffered: 3, dropped: 1, inFlight: 2, connected: true }),
  currentFork: () => ({ digestHex: '6a95a1a9', fork: 'fulu' }),
  ...over,
})

/** The value of one sample of the exposition text, found by name and exact label set. */
function sample(text: string, name: string, labels = ''): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ''} `))
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1))
}

test('values kept elsewhere are read at scrape time, under their documented names and labels', async () => {
  const m = createSentryMetrics(sources(), { defaultMetrics: false })
  const text = await m.registry.metrics()
  expect(sample(text, 'valtrack_discovered_nodes', 'fork_digest="6a95a1a9"')).toBe(9)
  expect(sample(text, 'valtrack_discovered_nodes', 'fork_digest="none"')).toBe(2)
  expect(sample(text, 'valtrack_known_nodes')).toBe(12)
  expect(sample(text, 'valtrack_dial_queue_depth')).toBe(4)
  expect(sample(text, 'valtrack_dials_in_flight')).toBe(2)
  expect(sample(text, 'valtrack_crawl_rounds_total')).toBe(3)
  expect(sample(text, 'valtrack_findnode_timeouts_total')).toBe(7)
  expect(sample(text, 'valtrack_other_digest_visits_total')).toBe(10)
  expect(sample(text, 'valtrack_events_published_total', 'sink="nats"')).toBe(100)
  expect(sample(text, 'valtrack_events_publish_failures_total', 'sink="nats"')).toBe(5)
  expect(sample(text, 'valtrack_events_dropped_total', 'sink="nats"')).toBe(1)
  expect(sample(text, 'valtrack_events_buffered', 'sink="nats"')).toBe(3)
  expect(sample(text, 'valtrack_fork_digest_info', 'fork_digest="6a95a1a9",fork="fulu"')).toBe(1)
  expect(sample(text, 'valtrack_nats_connected', 'sink="nats"')).toBe(1)
})

test('valtrack_nats_connected follows the NATS sink at each scrape, and is absent with the JSON-lines sink', async () => {
  let connected = true
  const base = { published: 0, failed: 0, buffered: 0, dropped: 0, inFlight: 0 }
  const m = createSentryMetrics(sources({ sink: () => ({ kind: 'nats', ...base, connected }) }), { defaultMetrics: false })
  expect(sample(await m.registry.metrics(), 'valtrack_nats_connected', 'sink="nats"')).toBe(1)
  connected = false
  expect(sample(await m.registry.metrics(), 'valtrack_nats_connected', 'sink="nats"')).toBe(0)
  const files = createSentryMetrics(sources({ sink: () => ({ kind: 'jsonl', ...base }) }), { defaultMetrics: false })
  expect(await files.registry.metrics()).not.toMatch(/^valtrack_nats_connected/m)
})

test('a second scrape shows the sources as they are then (mirrored counters are not summed)', async () => {
  let rounds = 1
  const m = createSentryMetrics(sources({ crawler: () => ({ ...crawler, rounds }) }), { defaultMetrics: false })
  await m.registry.metrics()
  rounds = 5
  expect(sample(await m.registry.metrics(), 'valtrack_crawl_rounds_total')).toBe(5)
})

test('dial outcomes, handshakes by client and latency are counted by the dialer', async () => {
  const m = createSentryMetrics(sources(), { defaultMetrics: false })
  m.dials.inc({ outcome: 'refused', direction: 'outbound' })
  m.dials.inc({ outcome: 'success', direction: 'outbound' })
  m.handshakes.inc({ result: 'success', client: 'prysm' })
  m.handshakeLatency.observe({ direction: 'outbound' }, 0.04)
  const text = await m.registry.metrics()
  expect(sample(text, 'valtrack_dials_total', 'outcome="refused",direction="outbound"')).toBe(1)
  expect(sample(text, 'valtrack_handshakes_total', 'result="success",client="prysm"')).toBe(1)
  expect(sample(text, 'valtrack_handshake_latency_seconds_bucket', 'le="0.05",direction="outbound"')).toBe(1)
  expect(sample(text, 'valtrack_handshake_latency_seconds_bucket', 'le="0.025",direction="outbound"')).toBe(0)
})

test('fork digest labels are bounded: past the bound the smallest counts merge into "other"', () => {
  const many = new Map(Array.from({ length: 40 }, (_, i) => [i.toString(16).padStart(8, '0'), 100 - i] as [string, number]))
  const bounded = boundedDigestCounts(many, 32)
  expect(bounded.size).toBe(32)
  expect(bounded.get('00000000')).toBe(100)
  expect(bounded.get('other')).toBe([...many.values()].slice(31).reduce((a, b) => a + b, 0))
  expect([...bounded.values()].reduce((a, b) => a + b, 0)).toBe([...many.values()].reduce((a, b) => a + b, 0))
  const few = new Map([['a', 1]])
  expect(boundedDigestCounts(few, 32)).toBe(few)
})
