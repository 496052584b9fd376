import { diffPeers, reuseKnown, type TrackedPeer } from './peerState'
import type { Peer } from './types'

const peer = (id: string, remote = '1.1.1.1:1'): Peer => ({
  layer: 'el', id, remoteAddress: remote, direction: 'inbound',
  client: { family: 'geth', name: 'Geth', version: '1.0.0', os: null, raw: 'Geth/v1.0.0' },
  caps: [], state: null, enr: null, address: null,
})

describe('diffPeers', () => {
  it('reports added and removed peers and keeps since for existing ones', () => {
    const prev = new Map<string, TrackedPeer>([
      ['a', { peer: peer('a'), since: 100 }],
      ['b', { peer: peer('b'), since: 200 }],
    ])
    const d = diffPeers(prev, [peer('b', '2.2.2.2:2'), peer('c')], 1000)
    expect(d.added.map((t) => t.peer.id)).toEqual(['c'])
    expect(d.added[0]!.since).toBe(1000)
    expect(d.removed.map((t) => t.peer.id)).toEqual(['a'])
    expect(d.updated).toEqual([{ peer: peer('b', '2.2.2.2:2'), since: 200 }])
    expect(d.current.get('b')).toEqual({ peer: peer('b', '2.2.2.2:2'), since: 200 })
    expect([...d.current.keys()]).toEqual(['b', 'c'])
  })
  it('ignores duplicate ids in the new list', () => {
    const d = diffPeers(new Map(), [peer('a'), peer('a', 'x')], 1)
    expect(d.added).toHaveLength(1)
    expect(d.current.size).toBe(1)
  })
  it('no change', () => {
    const prev = new Map([['a', { peer: peer('a'), since: 1 }]])
    // An equal but fresh object (a parser that did not reuse the known one) is no update either.
    const d = diffPeers(prev, [peer('a')], 5)
    expect(d.added).toEqual([])
    expect(d.removed).toEqual([])
    expect(d.updated).toEqual([])
  })
  it('reports a peer whose client details arrived as updated, keeping its since', () => {
    const bare: Peer = { ...peer('a'), client: { family: 'unknown', name: null, version: null, os: null, raw: null } }
    const d = diffPeers(new Map([['a', { peer: bare, since: 1 }]]), [peer('a')], 5)
    expect(d.updated).toEqual([{ peer: peer('a'), since: 1 }])
    expect(d.added).toEqual([])
  })
})

describe('reuseKnown', () => {
  it('returns the known object for an unchanged peer and the fresh one otherwise', () => {
    const known = new Map([['a', { peer: peer('a'), since: 1 }]])
    const reuse = reuseKnown(known)
    expect(reuse(peer('a'))).toBe(known.get('a')!.peer)
    const moved = peer('a', '9.9.9.9:9')
    expect(reuse(moved)).toBe(moved)
    const other = peer('b')
    expect(reuse(other)).toBe(other)
    const newCaps = { ...peer('a'), caps: ['eth/69'] }
    expect(reuse(newCaps)).toBe(newCaps)
  })
  it('diffPeers keeps the tracked object of an unchanged peer', () => {
    const prev = new Map([['a', { peer: peer('a'), since: 1 }]])
    const d = diffPeers(prev, [prev.get('a')!.peer], 5)
    expect(d.current.get('a')).toBe(prev.get('a'))
  })
})
