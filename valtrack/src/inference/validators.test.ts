import { parseEnr } from '../discovery/enr.js'
import { attnetsToSubnets, checkAttnets, computeSubscribedSubnets, nodeIdToBigInt, subnetsToAttnets } from './subnets.js'
import { eventFromVector, eventOf, prysmEvents, prysmVectors } from './prysmVectors.js'
import { CHECK_CONFIDENCE, INCOMPLETE_CONFIDENCE, MAX_CONFIDENCE, PREVIOUS_PERIOD_CONFIDENCE, ValidatorEstimator, attnetsFromHex, inferFromEvent, validatorMetadataRow } from './validators.js'

const [A, B, C] = prysmVectors as [(typeof prysmVectors)[0], (typeof prysmVectors)[0], (typeof prysmVectors)[0]]

describe('vectors captured from real Prysm v7.1.2 nodes', () => {
  test.each(prysmVectors.map((v) => [v.name, v] as const))('%s: compute_subscribed_subnets and the attnets check', (_name, v) => {
    const attnets = attnetsFromHex(v.attnets)!
    expect(attnetsToSubnets(attnets)).toEqual(v.attnetsSubnets)
    const longLived = computeSubscribedSubnets(nodeIdToBigInt(v.nodeId)!, v.epoch)
    if (v.subscribeAll) {
      expect(checkAttnets(attnets, longLived)).toBe('all')
    } else {
      expect(longLived).toEqual(v.attnetsSubnets)
      expect(checkAttnets(attnets, longLived)).toBe('match')
    }
  })

  test('the computed pairs: run 1 [39, 40] (A), [54, 55] (B, hidden by subscribe-all), [43, 44] (C); run 2 [44, 45], [14, 15], [42, 43]; run 3 (epoch 300) [19, 20]; run 4 [0, 1], (epoch 300) [1, 2]', () => {
    expect(prysmVectors.map((v) => computeSubscribedSubnets(nodeIdToBigInt(v.nodeId)!, v.epoch))).toEqual([
      [39, 40],
      [54, 55],
      [43, 44],
      [44, 45],
      [14, 15],
      [42, 43],
      [19, 20],
      [0, 1],
      [1, 2],
    ])
  })

  test('run 3: the node at clock epoch 300 advertised the epoch-300 pair, not the epoch-0 one', () => {
    const p = prysmVectors.find((v) => v.run === 3)!
    const id = nodeIdToBigInt(p.nodeId)!
    expect(computeSubscribedSubnets(id, 0)).toEqual([17, 18])
    expect(computeSubscribedSubnets(id, 300)).toEqual(p.attnetsSubnets)
    expect(inferFromEvent(eventFromVector({ ...p, epoch: 0 }, [19, 20])).attnets_check).toBe('differs')
    expect(inferFromEvent(eventFromVector(p, [19, 20]))).toMatchObject({ attnets_check: 'match', estimated_validators: 0 })
    const q = prysmVectors.find((v) => v.run === 4 && v.epoch === 300)!
    expect(computeSubscribedSubnets(nodeIdToBigInt(q.nodeId)!, 0)).toEqual([62, 63])
  })

  test('run 4 A: subnet 0 is a long-lived subnet like any other', () => {
    const a = prysmVectors.find((v) => v.run === 4 && v.epoch === 0)!
    expect(inferFromEvent(eventFromVector(a, [0, 1, 63]))).toMatchObject({ long_lived_subnets: [0, 1], attnets_check: 'match', short_lived_subnets: [63], estimated_validators: 1 })
  })

  test("run 2's ENRs, as Prysm served them, carry the recorded node ids and attnets", () => {
    const withEnr = prysmVectors.filter((v) => v.enr)
    expect(withEnr).toHaveLength(6)
    for (const v of withEnr) {
      const r = parseEnr(v.enr!)
      if (!r.ok) throw new Error(r.error)
      expect(r.record.nodeId).toBe(v.nodeId)
      expect(`0x${Buffer.from(r.record.attnets!).toString('hex')}`).toBe(v.attnets)
    }
  })
})

describe("metadata_received events the real sentry recorded from Prysm nodes", () => {
  test.each(prysmEvents.map((v) => [`run ${v.run} ${v.name}`, v] as const))('%s', (_n, v) => {
    const inf = inferFromEvent(eventOf(v))
    if (v.name === 'B') expect(inf).toMatchObject({ attnets_check: 'all', estimated_validators: null, confidence: 0, basis: 'subscribe_all' })
    else if (v.subscribedSubnets.length === 0) expect(inf).toMatchObject({ attnets_check: 'match', estimated_validators: null, confidence: 0, basis: 'incomplete_subscriptions' })
    else {
      expect(inf).toMatchObject({ attnets_check: 'match', short_lived_subnets: [], estimated_validators: 0, basis: 'match' })
      expect([...inf.long_lived_subnets].sort((a, b) => a - b)).toEqual(v.subscribedSubnets)
    }
  })

  test("run 5's C: the wrap-around pair [63, 0], attnets 0x0100000000000080", () => {
    const c = prysmEvents.find((v) => v.run === 5 && v.name === 'C')!
    expect(inferFromEvent(eventOf(c))).toMatchObject({ long_lived_subnets: [63, 0], attnets_subnets: [0, 63], attnets_check: 'match' })
  })

  test('aggregated: no peer with validators, the subscribe-all ones and the incomplete one unknown', () => {
    const est = new ValidatorEstimator()
    for (const v of prysmEvents) est.observe(eventOf(v))
    const s = est.aggregate()
    expect(s).toMatchObject({ peers: 6, peers_estimated: 3, peers_unknown: 3, peers_with_validators: 0, total_estimated_validators: 0 })
    expect(s.by_client_family.prysm).toEqual({ peers: 6, peers_with_validators: 0, estimated_validators: 0 })
  })
})

describe('inferFromEvent', () => {
  test('a normal node subscribed to its long-lived subnets only: 0 validators with duties, match confidence', () => {
    const inf = inferFromEvent(eventFromVector(A, [39, 40]))
    expect(inf).toEqual({
      node_id: A.nodeId,
      epoch: 0,
      long_lived_subnets: [39, 40],
      attnets_subnets: [39, 40],
      attnets_check: 'match',
      short_lived_subnets: [],
      estimated_validators: 0,
      confidence: CHECK_CONFIDENCE.match,
      basis: 'match',
    })
  })

  test('short-lived = subscriptions minus long-lived over 0..63; subnet 0 counts; out-of-range ignored', () => {
    const inf = inferFromEvent(eventFromVector(C, [0, 7, 43, 44, 63, 64, -1, 7]))
    expect(inf.short_lived_subnets).toEqual([0, 7, 63])
    expect(inf.estimated_validators).toBe(3)
    expect(inf.attnets_check).toBe('match')
    expect(inf.confidence).toBe(0.5)
  })

  test('a subscribe-all node (real B): unknown estimate, confidence 0, nothing short-lived', () => {
    const all = Array.from({ length: 64 }, (_, i) => i)
    const inf = inferFromEvent(eventFromVector(B, all))
    expect(inf).toMatchObject({ attnets_check: 'all', short_lived_subnets: [], estimated_validators: null, confidence: 0, basis: 'subscribe_all' })
    expect(inf.long_lived_subnets).toEqual([54, 55])
  })

  test("attnets that the node id does not explain: 'differs', low confidence; advertised subnets are not short-lived", () => {
    // A's node id with C's attnets: 39 and 40 not advertised.
    const inf = inferFromEvent(eventFromVector({ ...A, attnets: C.attnets }, [39, 40, 43, 44, 5]))
    expect(inf.attnets_check).toBe('differs')
    expect(inf.short_lived_subnets).toEqual([5])
    expect(inf).toMatchObject({ estimated_validators: 1, confidence: CHECK_CONFIDENCE.differs, basis: 'differs' })
  })

  test("a superset of the long-lived subnets: the extra advertised ones are the node's own long-lived claim", () => {
    const inf = inferFromEvent(eventFromVector({ ...A, attnets: '0x0000000080010001' }, [39, 40, 56, 9]))
    expect(inf.attnets_check).toBe('superset')
    expect(inf.attnets_subnets).toEqual([39, 40, 56])
    expect(inf.short_lived_subnets).toEqual([9])
    expect(inf.confidence).toBe(CHECK_CONFIDENCE.superset)
  })

  test('subscriptions missing the long-lived subnets (window too short): a lower bound at low confidence, or unknown', () => {
    expect(inferFromEvent(eventFromVector(A, []))).toMatchObject({ estimated_validators: null, confidence: 0, basis: 'incomplete_subscriptions' })
    expect(inferFromEvent(eventFromVector(A, [39]))).toMatchObject({ estimated_validators: null, confidence: 0 })
    expect(inferFromEvent(eventFromVector(A, [39, 12]))).toMatchObject({ short_lived_subnets: [12], estimated_validators: 1, confidence: INCOMPLETE_CONFIDENCE })
  })

  test("just after the node's period turns, the previous pair is not counted as short-lived", () => {
    const id = nodeIdToBigInt(A.nodeId)!
    let e = 1
    while (computeSubscribedSubnets(id, e).join() === computeSubscribedSubnets(id, e - 1).join()) e++
    const now = computeSubscribedSubnets(id, e)
    const before = computeSubscribedSubnets(id, e - 1)
    const attnets = `0x${Buffer.from(new Uint8Array(8).map((_, i) => now.reduce((b, s) => (s >> 3 === i ? b | (1 << (s & 7)) : b), 0))).toString('hex')}`
    const inf = inferFromEvent(eventFromVector({ nodeId: A.nodeId, epoch: e, attnets }, [...now, ...before]))
    expect(inf.attnets_check).toBe('match')
    expect(inf.short_lived_subnets).toEqual([])
    expect(inf.estimated_validators).toBe(0)
  })

  test("'differs' explained by the previous epoch's pair: basis previous_period, moderate confidence", () => {
    const id = nodeIdToBigInt(A.nodeId)!
    let e = 1
    while (computeSubscribedSubnets(id, e).join() === computeSubscribedSubnets(id, e - 1).join()) e++
    const before = computeSubscribedSubnets(id, e - 1)
    const attnets = `0x${Buffer.from(subnetsToAttnets(before)).toString('hex')}`
    const inf = inferFromEvent(eventFromVector({ nodeId: A.nodeId, epoch: e, attnets }, [...before, 17]))
    expect(inf).toMatchObject({ attnets_check: 'differs', basis: 'previous_period', confidence: PREVIOUS_PERIOD_CONFIDENCE })
    expect(inf.short_lived_subnets).toEqual(computeSubscribedSubnets(id, e).includes(17) ? [] : [17])
    // Attnets that neither pair explains: just 'differs'.
    const now = computeSubscribedSubnets(id, e)
    const other = Array.from({ length: 64 }, (_, k) => k).filter((k) => !now.includes(k) && !before.includes(k)).slice(0, 2)
    const wrong = inferFromEvent(eventFromVector({ nodeId: A.nodeId, epoch: e, attnets: `0x${Buffer.from(subnetsToAttnets(other)).toString('hex')}` }, other))
    expect(wrong).toMatchObject({ attnets_check: 'differs', basis: 'differs', confidence: CHECK_CONFIDENCE.differs, short_lived_subnets: [], estimated_validators: 0 })
  })

  test('malformed node id or attnets: unknown, no throw', () => {
    expect(inferFromEvent(eventFromVector({ ...A, nodeId: 'zz' }, [1]))).toMatchObject({ attnets_check: null, estimated_validators: null, confidence: 0, basis: 'malformed' })
    expect(inferFromEvent(eventFromVector({ ...A, attnets: '0x00' }, [1]))).toMatchObject({ attnets_check: null, basis: 'malformed' })
    expect(inferFromEvent(eventFromVector({ ...A, epoch: -1 }, [1]))).toMatchObject({ basis: 'malformed' })
  })

  test('validatorMetadataRow: the event plus lists and hex bitfields', () => {
    const row = validatorMetadataRow(eventFromVector(A, [0, 39, 40]))
    expect(row).toMatchObject({
      node_id: A.nodeId,
      long_lived_subnets: [39, 40],
      long_lived_attnets: A.attnets,
      subscribed_attnets: '0x0100000080010000',
      short_lived_subnets: [0],
      short_lived_attnets: '0x0100000000000000',
      attnets_check: 'match',
      estimated_validators: 1,
      inference_basis: 'match',
    })
  })
})

describe('ValidatorEstimator', () => {
  const at = (v: typeof A, subs: number[], epoch: number, extra = {}) => eventFromVector({ ...v, epoch }, subs, { timestamp: 1_700_000_000_000 + epoch * 384_000, ...extra })

  test('confidence grows with observations; estimate = max count in the window; mean kept', () => {
    const est = new ValidatorEstimator()
    const e1 = est.observe(at(A, [39, 40, 1, 2], 0))
    expect(e1).toMatchObject({ estimated_validators: 2, has_validators: true, observations: 1, confidence: 0.5 })
    const e2 = est.observe(at(A, [39, 40], 0))
    expect(e2).toMatchObject({ estimated_validators: 2, mean_short_lived: 1, observations: 2, confidence: 0.75 })
    const e3 = est.observe(at(A, [39, 40, 5], 0))
    expect(e3.confidence).toBe(0.875)
    for (let i = 0; i < 10; i++) est.observe(at(A, [39, 40], 0))
    expect(est.estimate(A.nodeId)!.confidence).toBe(MAX_CONFIDENCE)
  })

  test('observations older than the window are dropped, in epochs of the peer', () => {
    const est = new ValidatorEstimator({ windowEpochs: 4 })
    est.observe(at(A, [39, 40, 1, 2, 3], 0))
    const later = est.observe(at(A, [39, 40, 1], 4))
    expect(later).toMatchObject({ observations: 1, estimated_validators: 1, first_seen_epoch: 0, last_seen_epoch: 4 })
    // Out of order, still in the window: kept and sorted.
    expect(est.observe(at(A, [39, 40, 1, 2], 2))).toMatchObject({ observations: 2, estimated_validators: 2, last_seen_epoch: 4 })
  })

  test('a subscribe-all peer stays unknown however often it is seen', () => {
    const est = new ValidatorEstimator()
    const all = Array.from({ length: 64 }, (_, i) => i)
    for (let i = 0; i < 5; i++) est.observe(at(B, all, 0))
    expect(est.estimate(B.nodeId)).toMatchObject({ estimated_validators: null, confidence: 0, observations: 5, usable_observations: 0, attnets_check: 'all' })
  })

  test('aggregate: peers with validators, total, by client family, checks', () => {
    const est = new ValidatorEstimator()
    est.observe(at(A, [39, 40, 1, 2], 0))
    est.observe(at(C, [43, 44], 0, { client_version: 'Lighthouse/v7.0.1/x86_64-linux' }))
    est.observe(at(C, [43, 44, 9], 0, { client_version: 'Lighthouse/v7.0.1/x86_64-linux' }))
    est.observe(at(B, Array.from({ length: 64 }, (_, i) => i), 0))
    const s = est.aggregate()
    expect(s).toMatchObject({ peers: 3, peers_estimated: 2, peers_unknown: 1, peers_with_validators: 2, total_estimated_validators: 3 })
    expect(s.by_client_family.prysm).toEqual({ peers: 2, peers_with_validators: 1, estimated_validators: 2 })
    expect(s.by_client_family.lighthouse).toEqual({ peers: 1, peers_with_validators: 1, estimated_validators: 1 })
    expect(s.attnets_checks).toEqual({ match: 2, superset: 0, differs: 0, all: 1, malformed: 0 })
  })

  test('prune forgets peers not seen recently; node ids are case- and 0x-insensitive', () => {
    const est = new ValidatorEstimator()
    est.observe(at(A, [39, 40], 0))
    est.observe({ ...at(C, [43, 44], 100), node_id: `0x${C.nodeId.toUpperCase()}` })
    expect(est.estimate(C.nodeId)).toBeDefined()
    expect(est.prune(100, 50)).toBe(1)
    expect(est.size).toBe(1)
    expect(est.estimate(A.nodeId)).toBeUndefined()
  })
})
