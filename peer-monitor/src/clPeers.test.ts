import { multiaddrToHostPort, parseClIdentity, parseClPeer, parseClPeerCount, parseClPeers, parseClSync } from './clPeers'

const prysmPeer = {
  peer_id: '16Uiu2HAm1',
  enr: 'enr:-x',
  last_seen_p2p_address: '/ip4/1.2.3.4/tcp/13000/p2p/16Uiu2HAm1',
  state: 'connected',
  direction: 'outbound',
}

describe('multiaddrToHostPort', () => {
  it.each([
    ['/ip4/1.2.3.4/tcp/13000/p2p/16U', '1.2.3.4:13000'],
    ['/ip6/::1/tcp/9000', '[::1]:9000'],
    ['/ip4/1.2.3.4/udp/13000/quic-v1', '1.2.3.4:13000'],
    ['/dns4/node.example/tcp/9000', 'node.example:9000'],
    ['/ip4/5.6.7.8', '5.6.7.8'],
    ['garbage', null],
  ])('%s', (addr, expected) => expect(multiaddrToHostPort(addr)).toBe(expected))
})

describe('parseClPeer', () => {
  it('parses a Prysm entry without agent as unknown client', () => {
    expect(parseClPeer(prysmPeer)).toEqual({
      ok: true,
      value: {
        layer: 'cl', id: '16Uiu2HAm1', remoteAddress: '1.2.3.4:13000', direction: 'outbound',
        client: { family: 'unknown', name: null, version: null, os: null, raw: null },
        caps: [], state: 'connected', enr: 'enr:-x', address: prysmPeer.last_seen_p2p_address,
      },
    })
  })
  it('uses the agent when present', () => {
    const r = parseClPeer({ ...prysmPeer, agent: 'Lighthouse/v7.0.0-abc/x86_64-linux', direction: 'inbound' })
    expect(r.ok && r.value.client.family).toBe('lighthouse')
    expect(r.ok && r.value.direction).toBe('inbound')
  })
  it('rejects entries without peer_id', () => {
    expect(parseClPeer({ state: 'connected' })).toEqual({ ok: false, reason: 'missing peer_id' })
  })
})

describe('parseClPeers', () => {
  it('skips invalid entries, counts them and keeps connected peers only', () => {
    const body = { data: [prysmPeer, null, { ...prysmPeer, peer_id: 'p2', state: 'disconnected' }, { ...prysmPeer, peer_id: 'p3' }], meta: { count: 4 } }
    const r = parseClPeers(body)
    expect(r.items.map((p) => p.id)).toEqual(['16Uiu2HAm1', 'p3'])
    expect(r.invalid).toBe(1)
  })
  it('rejects a body without data', () => {
    expect(() => parseClPeers({ peers: [] })).toThrow(/missing "data"/)
  })
})

describe('other beacon endpoints', () => {
  it('syncing', () => {
    expect(parseClSync({ data: { head_slot: '123', sync_distance: '4', is_syncing: true, is_optimistic: false, el_offline: false } })).toEqual({
      syncing: true, headSlot: 123, distance: 4, isOptimistic: false, elOffline: false,
    })
    expect(() => parseClSync({ data: { head_slot: 'x', sync_distance: '0', is_syncing: false } })).toThrow(/head_slot/)
  })
  it('peer_count', () => {
    expect(parseClPeerCount({ data: { connected: '56', connecting: '1', disconnected: '12', disconnecting: '0' } })).toEqual({
      connected: 56, connecting: 1, disconnected: 12, disconnecting: 0,
    })
  })
  it('identity', () => {
    expect(parseClIdentity({ data: { peer_id: 'me', enr: 'enr:-me', p2p_addresses: ['/ip4/1.1.1.1/tcp/13000'], metadata: {} } })).toEqual({
      peerId: 'me', enr: 'enr:-me', p2pAddresses: ['/ip4/1.1.1.1/tcp/13000'],
    })
  })
})
