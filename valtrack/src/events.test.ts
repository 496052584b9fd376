import { bootnodes } from './discovery/bootnodes.js'
import { type NodeRecord, parseEnr } from './discovery/enr.js'
import { eventSchemas, type Handshake, metadataReceived, peerDiscovered, schemaProblems, validateEvent } from './events.js'

const crawler = { crawlerId: 'sentry-1', crawlerLocation: 'eu-west' }
const efHoodi = (() => {
  const r = parseEnr(bootnodes.hoodi[0])
  if (!r.ok) throw new Error(r.error)
  return r.record
})()

describe('peer_discovered', () => {
  test("the original's fields plus the additions, bitfields as 0x-hex, timestamp in ms", () => {
    const e = peerDiscovered(efHoodi, '16Uiu2HAm-peer', crawler, 1_764_590_400_123)
    expect(e).toEqual({
      schema_version: 1,
      enr: bootnodes.hoodi[0],
      id: '16Uiu2HAm-peer',
      node_id: '3abe78024aa8a8160859d6c5d323080076a497ab627cc7b0fce3b9f8ac999e94',
      ip: '209.38.124.160',
      port: 9000,
      fork_digest: '0xd2f1997f',
      attnets: '0x0018000000000000',
      syncnets: '0x00',
      custody_group_count: null,
      enr_problems: [],
      crawler_id: 'sentry-1',
      crawler_location: 'eu-west',
      timestamp: 1_764_590_400_123,
    })
    expect(validateEvent('peer_discovered', JSON.parse(JSON.stringify(e)))).toEqual([])
  })

  test('a record without consensus keys or addresses, and one with a malformed key', () => {
    const bare: NodeRecord = { enr: 'enr:x', nodeId: 'ab'.repeat(32), peerId: '16Uiu2HAm-bare', seq: 1n, ip6: '::1', problems: [{ key: 'attnets', reason: 'expected 8 bytes, got 7' }] }
    const e = peerDiscovered(bare, 'p', crawler, 1)
    expect(e).toMatchObject({ ip: '::1', port: 0, fork_digest: null, attnets: null, enr_problems: ['attnets: expected 8 bytes, got 7'] })
    expect(validateEvent('peer_discovered', e)).toEqual([])
  })
})

describe('metadata_received', () => {
  const handshake: Handshake = {
    record: efHoodi,
    peerId: '16Uiu2HAm-peer',
    multiaddr: '/ip4/209.38.124.160/tcp/9000/p2p/16Uiu2HAm-peer',
    epoch: 1234,
    status: { forkDigest: Uint8Array.from([0xd2, 0xf1, 0x99, 0x7f]), finalizedRoot: new Uint8Array(32), finalizedEpoch: 1230, headRoot: new Uint8Array(32), headSlot: 39_500 },
    metadata: { seqNumber: 42n, attnets: Uint8Array.from([1, 0, 0, 0, 0, 0, 0, 0x80]), syncnets: Uint8Array.of(3), custodyGroupCount: 4 },
    subscribedSubnets: [63, 0, 5, 5],
    agentVersion: 'Prysm/v7.1.2/abc',
    protocols: { status: 'status/2', metadata: 'metadata/3' },
    direction: 'outbound',
    latencyMs: 37,
  }

  test('the original nesting (metadata{seq_number, attnets, syncnets}); subnets sorted, unique, 0 kept', () => {
    const e = metadataReceived(handshake, crawler, 5)
    expect(e).toEqual({
      schema_version: 1,
      enr: bootnodes.hoodi[0],
      id: '16Uiu2HAm-peer',
      node_id: efHoodi.nodeId,
      multiaddr: '/ip4/209.38.124.160/tcp/9000/p2p/16Uiu2HAm-peer',
      epoch: 1234,
      metadata: { seq_number: 42, attnets: '0x0100000000000080', syncnets: '0x03' },
      subscribed_subnets: [0, 5, 63],
      client_version: 'Prysm/v7.1.2/abc',
      fork_digest: '0xd2f1997f',
      head_slot: 39_500,
      finalized_epoch: 1230,
      custody_group_count: 4,
      protocols: { status: 'status/2', metadata: 'metadata/3' },
      direction: 'outbound',
      handshake_latency_ms: 37,
      crawler_id: 'sentry-1',
      crawler_location: 'eu-west',
      timestamp: 5,
    })
    expect(validateEvent('metadata_received', JSON.parse(JSON.stringify(e)))).toEqual([])
  })

  test('a metadata/1 peer (no syncnets, no custody) and a seq_number beyond 2^53 (a string, not a rounded number)', () => {
    const e = metadataReceived({ ...handshake, metadata: { seqNumber: 2n ** 60n, attnets: new Uint8Array(8) } }, crawler, 5)
    expect(e.metadata).toEqual({ seq_number: '1152921504606846976', attnets: '0x0000000000000000', syncnets: null })
    expect(e.custody_group_count).toBeNull()
    expect(validateEvent('metadata_received', e)).toEqual([])
  })
})

describe('validateEvent', () => {
  const good = peerDiscovered(efHoodi, 'p', crawler, 1)

  test('names every problem: missing, unknown, wrong type, bad hex', () => {
    const { port: _port, ...withoutPort } = good
    expect(validateEvent('peer_discovered', { ...withoutPort, extra: 1, fork_digest: 'd2f1997f', timestamp: -1 })).toEqual([
      'port: missing',
      'fork_digest: expected hex?, got "d2f1997f"',
      'timestamp: expected uint, got -1',
      'extra: not in the schema',
    ])
  })

  test('nested objects and subnet ranges', () => {
    const e = metadataReceived(
      {
        record: efHoodi,
        peerId: 'p',
        multiaddr: '/ip4/1.2.3.4/tcp/1',
        epoch: 1,
        status: { forkDigest: new Uint8Array(4), finalizedRoot: new Uint8Array(32), finalizedEpoch: 0, headRoot: new Uint8Array(32), headSlot: 0 },
        metadata: { seqNumber: 1n, attnets: new Uint8Array(8) },
        subscribedSubnets: [],
        agentVersion: '',
        protocols: { status: 'status/1', metadata: 'metadata/1' },
        direction: 'inbound',
        latencyMs: 0,
      },
      crawler,
      1,
    )
    const broken = { ...e, metadata: { ...e.metadata, attnets: 7 }, subscribed_subnets: [64], direction: 'sideways' }
    expect(validateEvent('metadata_received', broken)).toEqual([
      'metadata.attnets: expected hex, got 7',
      'subscribed_subnets: expected subnets, got [64]',
      'direction: expected direction, got "sideways"',
    ])
    expect(validateEvent('metadata_received', null)).toEqual(['event: expected an object'])
  })

  test('the compiled check agrees with the schema walk: every field missing, or of every wrong kind, extra and inherited keys', () => {
    const disc = JSON.parse(JSON.stringify(good)) as Record<string, unknown>
    const handshake: Handshake = {
      record: efHoodi,
      peerId: 'p',
      multiaddr: '/ip4/1.2.3.4/tcp/1',
      epoch: 1,
      status: { forkDigest: new Uint8Array(4), finalizedRoot: new Uint8Array(32), finalizedEpoch: 0, headRoot: new Uint8Array(32), headSlot: 0 },
      metadata: { seqNumber: 1n, attnets: new Uint8Array(8), syncnets: Uint8Array.of(1), custodyGroupCount: 4 },
      subscribedSubnets: [1, 2],
      agentVersion: 'x',
      protocols: { status: 'status/2', metadata: 'metadata/3' },
      direction: 'inbound',
      latencyMs: 3,
    }
    const meta = JSON.parse(JSON.stringify(metadataReceived(handshake, crawler, 1))) as Record<string, unknown>
    const values: unknown[] = [null, undefined, -1, 1.5, 2 ** 53, 0, 7, '', '12', 'x', '0x', '0x0', '0xAB', '0xab', '0xzz', 'outbound', 'inbound', [], [0, 63], [64], [1.5], ['a'], [, 1], {}, true, { status: 's', metadata: 'm' }, { seq_number: 1, attnets: '0x00', syncnets: null }]
    const cases: Array<[keyof typeof eventSchemas, unknown]> = [['peer_discovered', null], ['peer_discovered', []], ['metadata_received', 'x']]
    const variants = (base: Record<string, unknown>): unknown[] => {
      const out: unknown[] = [base, { ...base, extra: 1 }, { ...base, toString: 1 }, Object.assign(Object.create({ inherited: 1 }), base)]
      for (const key of Object.keys(base)) {
        const { [key]: _gone, ...without } = base
        out.push(without, Object.assign(Object.create({ [key]: base[key] }), without))
        for (const v of values) out.push({ ...base, [key]: v })
        const nested = base[key]
        if (typeof nested === 'object' && nested !== null && !Array.isArray(nested))
          for (const k of Object.keys(nested)) for (const v of values) out.push({ ...base, [key]: { ...nested, [k]: v } })
      }
      return out
    }
    for (const v of variants(disc)) cases.push(['peer_discovered', v], ['metadata_received', v])
    for (const v of variants(meta)) cases.push(['metadata_received', v], ['peer_discovered', v])
    let valid = 0
    for (const [type, v] of cases) {
      const want = schemaProblems(type, v)
      expect(validateEvent(type, v)).toEqual(want)
      if (want.length === 0) valid++
    }
    expect(valid).toBeGreaterThan(20)
  })
})
