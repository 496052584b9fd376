import { parseClPeer } from './clPeers'
import { parseElPeer } from './elPeers'
import {
  formatColumns, formatDuration, formatEvent, formatJsonLine, formatTable, peerConnectedEvent,
  peerDisconnectedEvent, peerUpdatedEvent, schemaVersion, snapshotChunks, snapshotEvent,
} from './format'
import type { TrackedPeer } from './peerState'
import { emptyLayerState } from './snapshot'
import type { Peer } from './types'

const now = Date.parse('2026-11-22T10:00:00Z')
const mustParse = (r: { ok: true; value: Peer } | { ok: false; reason: string }): Peer => {
  if (!r.ok) throw new Error(r.reason)
  return r.value
}
const elPeer = mustParse(parseElPeer({
  id: 'aabbccddeeff0011', name: 'Geth/v1.17.5-stable-abc/linux-amd64/go1.25', caps: ['eth/68', 'snap/1'],
  network: { remoteAddress: '1.2.3.4:30303', inbound: true }, enode: 'enode://aabb@1.2.3.4:30303',
}))
const clPeer = mustParse(parseClPeer({
  peer_id: '16Uiu2HAmAAAABBBBCCCC', last_seen_p2p_address: '/ip4/5.6.7.8/tcp/13000', state: 'connected', direction: 'outbound',
}))
const elTracked: TrackedPeer = { peer: elPeer, since: now - 3725_000 }
const clTracked: TrackedPeer = { peer: clPeer, since: now - 42_000 }

function states() {
  const el = emptyLayerState('el')
  el.status = 'ok'
  el.lastSuccess = now - 1000
  el.peers.set(elPeer.id, elTracked)
  el.elSync = { syncing: false, head: 100, highest: 100, distance: 0 }
  el.reportedPeerCount = 1
  el.subscription = 'active'
  const cl = emptyLayerState('cl')
  cl.status = 'error'
  cl.lastSuccess = now - 60_000
  cl.lastError = { kind: 'refused', message: 'connect ECONNREFUSED' }
  cl.lastErrorAt = now - 500
  cl.peers.set(clPeer.id, clTracked)
  cl.clSync = { syncing: true, headSlot: 500, distance: 20, isOptimistic: false, elOffline: false }
  return { el, cl }
}

describe('formatDuration', () => {
  it.each([[0, '0s'], [59.9, '59s'], [60, '1m00s'], [3725, '1h02m'], [90000, '1d01h'], [-5, '0s']])('%p -> %s', (s, out) =>
    expect(formatDuration(s)).toBe(out))
})

describe('JSON events', () => {
  it('peer_connected has the documented fields', () => {
    const e = peerConnectedEvent(elTracked, 'subscription', now)
    expect(JSON.parse(formatJsonLine(e))).toEqual({
      schema_version: schemaVersion, event: 'peer_connected', ts: '2026-11-22T10:00:00.000Z', layer: 'el', source: 'subscription',
      peer: {
        id: 'aabbccddeeff0011', short_id: 'aabbccdd', remote_address: '1.2.3.4:30303', direction: 'inbound',
        client: { family: 'geth', name: 'Geth', version: '1.17.5-stable-abc', os: 'linux-amd64', raw: 'Geth/v1.17.5-stable-abc/linux-amd64/go1.25' },
        caps: ['eth/68', 'snap/1'], state: null, enr: null, address: 'enode://aabb@1.2.3.4:30303',
        connected_since: '2026-11-22T08:57:55.000Z', connected_seconds: 3725,
      },
    })
  })
  it('peer_disconnected carries session length and reason', () => {
    const e = peerDisconnectedEvent(clTracked, 'poll', 'gone', now)
    expect(e).toMatchObject({ event: 'peer_disconnected', layer: 'cl', reason: 'gone', session_seconds: 42 })
    expect(e.peer.short_id).toBe('BBBBCCCC')
  })
  it('peer_updated carries the peer as it is now', () => {
    expect(JSON.parse(formatJsonLine(peerUpdatedEvent(elTracked, now)))).toEqual({
      ...JSON.parse(formatJsonLine(peerConnectedEvent(elTracked, 'poll', now))), event: 'peer_updated',
    })
  })
  it('snapshot covers both layers', () => {
    const { el, cl } = states()
    const line = formatJsonLine(snapshotEvent(el, cl, 'interval', now))
    expect(line.endsWith('\n')).toBe(true)
    expect(line.indexOf('\n')).toBe(line.length - 1)
    const e = JSON.parse(line)
    expect(e.schema_version).toBe(1)
    expect(e.trigger).toBe('interval')
    expect(e.el).toMatchObject({ status: 'ok', peer_count: 1, reported_peer_count: 1, subscription: 'active', error: null, last_success: '2026-11-22T09:59:59.000Z', sync: { syncing: false, head_block: 100, highest_block: 100, distance: 0 } })
    expect(e.cl).toMatchObject({ status: 'error', peer_count: 1, subscription: null, error: { kind: 'refused', message: 'connect ECONNREFUSED', at: '2026-11-22T09:59:59.500Z' }, sync: { syncing: true, head_slot: 500, distance: 20 } })
    expect(e.el.peers[0].id).toBe(elPeer.id)
    expect(e.cl.peers[0].state).toBe('connected')
  })
})

describe('table output', () => {
  it('renders aligned columns with client, version, direction, caps/state and connected-for', () => {
    const { el, cl } = states()
    const text = formatTable(snapshotEvent(el, cl, 'signal', now))
    const lines = text.split('\n')
    expect(lines[0]).toBe('=== 2026-11-22T10:00:00.000Z snapshot (signal) ===')
    expect(lines[1]).toBe('EL peers: 1 | status: ok | reported: 1 | in sync (block 100) | subscription: active')
    expect(lines[2]).toMatch(/^ {2}ID {8}REMOTE {9}CLIENT  VERSION {12}OS {11}DIR {6}CAPS\/STATE {5}CONNECTED$/)
    expect(lines[3]).toMatch(/^ {2}aabbccdd {2}1\.2\.3\.4:30303 {2}geth {4}1\.17\.5-stable-abc {2}linux-amd64 {2}inbound {2}eth\/68,snap\/1 {2}1h02m$/)
    expect(lines[4]).toBe('CL peers: 1 | status: error | syncing (slot 500, 20 behind) | error: refused: connect ECONNREFUSED')
    expect(lines[6]).toContain('connected')
    expect(lines[6]).toContain('42s')
    // header and rows align: the CONNECTED column starts at the same offset
    expect(lines[2]!.indexOf('CONNECTED')).toBe(lines[3]!.indexOf('1h02m'))
  })
  it('renders connect/disconnect lines', () => {
    expect(formatEvent(peerConnectedEvent(elTracked, 'poll', now), 'table')).toBe(
      '2026-11-22T10:00:00.000Z + EL aabbccdd 1.2.3.4:30303 geth 1.17.5-stable-abc inbound (poll)\n')
    expect(formatEvent(peerDisconnectedEvent(clTracked, 'poll', null, now), 'table')).toBe(
      '2026-11-22T10:00:00.000Z - CL BBBBCCCC 5.6.7.8:13000 unknown - outbound after 42s\n')
    expect(formatEvent(peerUpdatedEvent(elTracked, now), 'table')).toBe(
      '2026-11-22T10:00:00.000Z ~ EL aabbccdd 1.2.3.4:30303 geth 1.17.5-stable-abc inbound (updated)\n')
  })
  it('formatColumns pads all but the last column', () => {
    expect(formatColumns([['a', 'bb', 'c'], ['ccc', 'd', 'e']])).toEqual(['a    bb  c', 'ccc  d   e'])
  })
  it('an empty layer prints only its header', () => {
    const text = formatTable(snapshotEvent(emptyLayerState('el'), emptyLayerState('cl'), 'interval', now))
    expect(text.split('\n').filter((l) => l !== '')).toEqual([
      '=== 2026-11-22T10:00:00.000Z snapshot (interval) ===',
      'EL peers: 0 | status: pending | subscription: inactive',
      'CL peers: 0 | status: pending',
    ])
  })
})

describe('snapshotChunks (streamed snapshot output)', () => {
  function big(n: number) {
    const { el, cl } = states()
    for (let i = 0; i < n; i++) {
      const e = mustParse(parseElPeer({ id: i.toString(16).padStart(64, '0'), name: i % 3 ? 'Nethermind/v1.30.0+abc/linux-x64/dotnet9' : 'Geth/v1.17.5-stable-abc/linux-amd64/go1.25', caps: ['eth/68'], network: { remoteAddress: `10.0.${i >> 8}.${i & 255}:30303`, inbound: i % 2 === 0 }, enr: `enr:-${i}` }))
      el.peers.set(e.id, { peer: e, since: now - i * 1000 })
      const c = mustParse(parseClPeer({ peer_id: `16Uiu2HAm${i}`, last_seen_p2p_address: `/ip4/10.1.0.${i & 255}/tcp/13000`, state: 'connected', direction: 'inbound', agent: i % 2 ? 'Lighthouse/v7.0.0-abc/x86_64-linux' : undefined }))
      cl.peers.set(c.id, { peer: c, since: now - i * 7000 })
    }
    return { el, cl }
  }
  it.each(['json', 'table'] as const)('%s: joined pieces equal the one-string rendering', (format) => {
    for (const n of [0, 1, 500]) {
      const { el, cl } = big(n)
      const whole = formatEvent(snapshotEvent(el, cl, 'interval', now), format)
      const pieces = [...snapshotChunks(el, cl, 'interval', now, format, 1000)]
      expect(pieces.join('')).toBe(whole)
      if (n === 500) {
        expect(pieces.length).toBeGreaterThan(20)
        // bounded pieces: at most the limit plus one row/peer
        expect(Math.max(...pieces.map((p) => p.length))).toBeLessThan(1000 + 600)
      }
    }
  })
  it('uses the peer lists as they were when it started', () => {
    const { el, cl } = big(10)
    const gen = snapshotChunks(el, cl, 'request', now, 'json', 100)
    const first = gen.next().value as string
    el.peers.clear()
    const e = JSON.parse(first + [...gen].join(''))
    expect(e.el.peer_count).toBe(11)
    expect(e.el.peers).toHaveLength(11)
  })
  it('an empty state renders both formats', () => {
    const el = emptyLayerState('el')
    const cl = emptyLayerState('cl')
    expect([...snapshotChunks(el, cl, 'interval', now, 'json')].join('')).toBe(formatJsonLine(snapshotEvent(el, cl, 'interval', now)))
    expect([...snapshotChunks(el, cl, 'interval', now, 'table')].join('')).toBe(formatTable(snapshotEvent(el, cl, 'interval', now)))
  })
})
