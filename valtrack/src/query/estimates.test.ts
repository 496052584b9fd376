/**
 * The over-time validator estimate two ways: the API's SQL (peerEstimatesSql, over parts written by the real
 * PartWriter) and ValidatorEstimator fed the same events in stream order. Two independent implementations of
 * one definition: they must agree per peer and in the aggregate.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { MetadataReceivedEvent } from '../events.js'
import { ValidatorEstimator } from '../inference/validators.js'
import { computeSubscribedSubnets, nodeIdToBigInt, subnetsToAttnets } from '../inference/subnets.js'
import { metadataEvent } from '../sinks/fixtures.js'
import { apiRoutes, type ValidatorEntry } from './api.js'
import { QueryDb } from './duckdb.js'
import { type Seqd, writeConcurrentParts } from './testParts.js'

/** A small seeded PRNG (mulberry32): the same events at every run. */
function prng(seed: number): () => number {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const clients = ['Prysm/v7.1.2/x', 'Lighthouse/v7.0.1-e42406d/x86_64-linux', 'teku/teku/v25.6.0/linux-x86_64', 'Nimbus/v25.5.0', 'erigon/caplin', '']
const LAGGING_EPOCH = 1_013
const hex = (s: Uint8Array) => `0x${Buffer.from(s).toString('hex')}`

type PeerPlan = { n: number; nodeId: string; client: string; epochs: number[]; kind: 'mixed' | 'subscribe_all' | 'no_duties' | 'flaky' | 'lagging' }

/** Peers with different node ids, clients, epoch spreads (some wider than the window) and subnet habits. */
function plans(rand: () => number): PeerPlan[] {
  const out: PeerPlan[] = []
  for (let n = 1; n <= 14; n++) {
    const nodeId = Array.from({ length: 64 }, () => Math.floor(rand() * 16).toString(16)).join('')
    const count = n === 1 ? 90 : n === 2 ? 70 : n === 8 ? 10 : 1 + Math.floor(rand() * 12)
    const spread = n === 1 ? 20 : n === 2 ? 200 : n % 3 === 0 ? 5 : 60
    const epochs = Array.from({ length: count }, () => 1_000 + Math.floor(rand() * spread))
    const kind = n === 5 ? 'subscribe_all' : n === 6 ? 'no_duties' : n === 8 ? 'flaky' : n === 9 ? 'lagging' : 'mixed'
    // Peer 9: 66 handshakes with no duty, then 4 at its latest epoch with duties seen by a sentry whose clock lags.
    if (kind === 'lagging') epochs.splice(0, epochs.length, ...Array.from({ length: 66 }, (_, i) => 1_000 + (i % 13)), ...Array(4).fill(LAGGING_EPOCH))
    // Peer 7 writes its node id with 0x and in upper case: the same key for both implementations.
    out.push({ n, nodeId: n === 7 ? `0x${nodeId.toUpperCase()}` : nodeId, client: clients[n % clients.length]!, epochs, kind })
  }
  return out
}

/** One observation: the peer's long-lived pair (sometimes missing), some short-lived subnets, attnets varied. */
function event(p: PeerPlan, epoch: number, i: number, rand: () => number): MetadataReceivedEvent {
  const base = metadataEvent(p.n)
  const longLived = computeSubscribedSubnets(nodeIdToBigInt(p.nodeId.replace(/^0x/, ''))!, epoch)
  const all = Array.from({ length: 64 }, (_, s) => s)
  const lagging = p.kind === 'lagging' && epoch === LAGGING_EPOCH
  const extra = p.kind === 'lagging' ? (lagging ? all.filter((s) => !longLived.includes(s)).slice(20, 30) : []) : p.kind === 'no_duties' ? [] : all.filter(() => rand() < 0.08)
  // A flaky peer's every other handshake saw no subscription at all (unusable: incomplete, nothing short-lived).
  const subscribed =
    p.kind === 'subscribe_all'
      ? all
      : p.kind === 'flaky' && i % 2 === 0
        ? []
        : [...new Set([...(rand() < 0.8 || p.kind === 'lagging' ? longLived : []), ...extra])].sort((a, b) => a - b)
  const r = p.kind === 'lagging' ? 0 : rand()
  const attnets = p.kind === 'subscribe_all' ? '0xffffffffffffffff' : r < 0.6 ? hex(subnetsToAttnets(longLived)) : r < 0.8 ? '0x0000000000000000' : hex(subnetsToAttnets([...longLived, 7]))
  return {
    ...base,
    node_id: p.nodeId,
    client_version: p.client,
    epoch,
    subscribed_subnets: subscribed,
    metadata: { ...base.metadata, attnets },
    // Unique per peer. Two sentries' clocks: peer 1's is sometimes 3 epochs behind, peer 9's latest 50 behind
    // (time order is not epoch order; the window and the cap go by epoch).
    timestamp: 1_700_000_000_000 + (epoch - (lagging ? 50 : p.n === 1 && rand() < 0.3 ? 3 : 0)) * 384_000 + i * 97 + p.n,
  }
}

/** Every event, in a shuffled stream order (epochs out of order), plus one stream sequence written twice. */
function streamOf(seed: number): { events: Seqd<MetadataReceivedEvent>[]; repeated: Seqd<MetadataReceivedEvent> } {
  const rand = prng(seed)
  const evs = plans(rand).flatMap((p) => p.epochs.map((e, i) => event(p, e, i, rand)))
  for (let i = evs.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1))
    ;[evs[i], evs[j]] = [evs[j]!, evs[i]!]
  }
  const events = evs.map((ev, i) => ({ ev, seq: 1 + i }))
  // The latest observation of a peer with few: in its window and under the cap, so a double would show.
  const peer4 = events.filter((x) => x.ev.id === '16Uiu2HAm-test-4')
  return { events, repeated: peer4.reduce((a, b) => (b.ev.epoch > a.ev.epoch ? b : a)) }
}

let dir: string
let db: QueryDb
const { events, repeated } = streamOf(12)

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'valtrack-estimates-'))
  // Two instances, each with half the stream; one sequence both wrote (a redelivery both kept).
  const a = events.filter((_, i) => i % 2 === 0)
  const b = events.filter((_, i) => i % 2 === 1)
  await writeConcurrentParts(dir, [
    { instanceId: 'a', metadata: a.includes(repeated) ? a : [...a, repeated] },
    { instanceId: 'b', metadata: b.includes(repeated) ? b : [...b, repeated] },
  ])
  db = await QueryDb.open(dir)
})
afterAll(async () => {
  db.close()
  await rm(dir, { recursive: true, force: true })
})

function estimator(windowEpochs?: number): ValidatorEstimator {
  const e = new ValidatorEstimator(windowEpochs === undefined ? {} : { windowEpochs })
  for (const { ev } of events) e.observe(ev)
  return e
}

/** The fields both implementations have, from the API's entry. */
const fromApi = (v: ValidatorEntry) => ({
  node_id: v.node_id,
  client_family: v.client.family,
  observations: v.observations,
  usable_observations: v.usable_observations,
  estimated_validators: v.estimated_validators,
  has_validators: v.has_validators,
  attnets_check: v.attnets_check,
  first_seen_epoch: v.first_seen_epoch,
  last_seen_epoch: v.window.to_epoch,
  last_seen: Date.parse(v.last_seen),
})

describe.each([undefined, 8, 1])('window_epochs=%s', (windowEpochs) => {
  const params = new URLSearchParams(windowEpochs === undefined ? '' : `window_epochs=${windowEpochs}`)

  test('the SQL agrees with ValidatorEstimator per peer', async () => {
    const body = await apiRoutes['/validators'](db, params)
    const expected = estimator(windowEpochs).estimates()
    expect(body.count).toBe(expected.length)
    expect(body.window_epochs).toBe(windowEpochs ?? 32)
    const byNode = new Map(body.validators.map((v) => [v.node_id, v]))
    for (const e of expected) {
      const v = byNode.get(e.node_id)
      expect(v && fromApi(v)).toEqual({
        node_id: e.node_id,
        client_family: e.client_family,
        observations: e.observations,
        usable_observations: e.usable_observations,
        estimated_validators: e.estimated_validators,
        has_validators: e.has_validators,
        attnets_check: e.attnets_check,
        first_seen_epoch: e.first_seen_epoch,
        last_seen_epoch: e.last_seen_epoch,
        last_seen: e.last_seen,
      })
      expect(Math.abs(v!.confidence - e.confidence)).toBeLessThanOrEqual(1e-6)
      expect(v!.window.from_epoch).toBeGreaterThan(e.last_seen_epoch - (windowEpochs ?? 32))
    }
  })

  test('/stats sums the same estimates as ValidatorEstimator.aggregate()', async () => {
    const stats = await apiRoutes['/stats'](db, params)
    const agg = estimator(windowEpochs).aggregate()
    expect(stats).toMatchObject({ peers: agg.peers, peers_with_validators: agg.peers_with_validators, estimated_validators: agg.total_estimated_validators })
    for (const [family, f] of Object.entries(agg.by_client_family)) {
      const { peers, peers_with_validators, estimated_validators } = stats.clients[family]!
      expect({ family, peers, peers_with_validators, estimated_validators }).toEqual({ family, ...f })
    }
  })
})

test('the generated events cover what the definition distinguishes', () => {
  const e = estimator()
  const all = e.estimates()
  // More than 64 observations in one window, observations outside the window, unknown and zero estimates.
  expect({
    capped: Math.max(...all.map((p) => p.observations)),
    beyondWindow: all.some((p) => p.first_seen_epoch <= p.last_seen_epoch - 32),
    subscribeAll: all.some((p) => p.estimated_validators === null && p.attnets_check === 'all'),
    zero: all.some((p) => p.estimated_validators === 0 && !p.has_validators),
    partlyUsable: all.some((p) => p.usable_observations > 0 && p.usable_observations < p.observations),
    confidences: new Set(all.map((p) => p.confidence)).size > 3,
    capConfidence: all.some((p) => p.confidence === 0.95),
    laggingDuties: (e.estimate(events.find((x) => x.ev.id === '16Uiu2HAm-test-9')!.ev.node_id)?.estimated_validators ?? 0) > 0,
  }).toEqual({ laggingDuties: true,  capped: 64, beyondWindow: true, subscribeAll: true, zero: true, partlyUsable: true, confidences: true, capConfidence: true })
  expect(events.some((x, i) => i > 0 && x.ev.node_id === events[i - 1]!.ev.node_id && x.ev.epoch < events[i - 1]!.ev.epoch)).toBe(true)
})

test('a stream sequence written twice counts once', async () => {
  const r = await db.query(`SELECT count(*) AS rows, count(DISTINCT stream_seq) AS seqs FROM validator_metadata_events`)
  expect(r.rows[0]).toEqual({ rows: events.length + 1, seqs: events.length })
  const node = repeated.ev.node_id.replace(/^0x/, '').toLowerCase()
  const v = (await apiRoutes['/validators'](db)).validators.find((x) => x.node_id === node)!
  expect(v.observations).toBe(estimator().estimate(node)!.observations)
  expect(v.observations).toBeLessThan(64)
})

test('a bad window_epochs is refused', async () => {
  for (const bad of ['0', '-1', 'x', '1.5', '100001', ''])
    await expect(apiRoutes['/validators'](db, new URLSearchParams({ window_epochs: bad }))).rejects.toThrow(/invalid window_epochs .*: expected an integer from 1 to 100000/)
})
