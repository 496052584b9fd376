import { TooManyEntriesError } from './errors'
import { listCollector, maxPeersPerLayer, parseElPeer, parseElPeers, parseElSync, parsePeerEvent, parseQuantity } from './elPeers'

const good = {
  enr: 'enr:-abc',
  enode: 'enode://aa@1.2.3.4:30303',
  id: 'AA11',
  name: 'Geth/v1.17.5-stable/linux-amd64/go1.25',
  caps: ['eth/68', 'snap/1'],
  network: { localAddress: '172.20.0.2:30303', remoteAddress: '1.2.3.4:40312', inbound: true, trusted: false, static: false },
  protocols: { eth: { version: 68 }, snap: { version: 1 } },
}

describe('parseElPeer', () => {
  it('normalises a full entry', () => {
    const r = parseElPeer(good)
    expect(r).toEqual({
      ok: true,
      value: {
        layer: 'el',
        id: 'aa11',
        remoteAddress: '1.2.3.4:40312',
        direction: 'inbound',
        client: { family: 'geth', name: 'Geth', version: '1.17.5-stable', os: 'linux-amd64', raw: good.name },
        caps: ['eth/68', 'snap/1'],
        state: null,
        enr: 'enr:-abc',
        address: 'enode://aa@1.2.3.4:30303',
      },
    })
  })
  it('tolerates protocols given as strings, a missing enr and unknown fields', () => {
    const { enr: _enr, ...noEnr } = good
    const r = parseElPeer({ ...noEnr, caps: undefined, protocols: { eth: 'handshake', snap: 'unknown', wit: { version: 1 } }, extra: { x: 1 } })
    expect(r.ok).toBe(true)
    if (!r.ok) return
    expect(r.value.enr).toBeNull()
    expect(r.value.caps).toEqual(['eth', 'snap', 'wit/1'])
  })
  it('outbound and unknown direction', () => {
    const out = parseElPeer({ ...good, network: { inbound: false } })
    const unk = parseElPeer({ id: 'bb' })
    expect(out.ok && out.value.direction).toBe('outbound')
    expect(unk.ok && unk.value.direction).toBe('unknown')
    expect(unk.ok && unk.value.client.family).toBe('unknown')
  })
  it.each([[null], [42], ['x'], [[]], [{}], [{ id: '' }], [{ id: 5 }]])('rejects %p', (entry) => {
    expect(parseElPeer(entry).ok).toBe(false)
  })
})

describe('parseElPeers', () => {
  it('skips and counts invalid entries without losing the rest', () => {
    const list = [good, null, { id: 'cc', protocols: { eth: 'handshake' } }, 'junk', { name: 'no id' }]
    const r = parseElPeers(list)
    expect(r.items.map((p) => p.id)).toEqual(['aa11', 'cc'])
    expect(r.invalid).toBe(3)
    expect(r.invalidReasons).toEqual(['null entry', 'entry is string', 'missing id'])
  })
  it('treats a null result as an empty list', () => {
    expect(parseElPeers(null)).toEqual({ items: [], invalid: 0, invalidReasons: [] })
  })
  it('throws a malformed error on a non-array result', () => {
    expect(() => parseElPeers({ peers: [] })).toThrow(/expected an array/)
  })
})

describe('listCollector', () => {
  const entry = (id: string) => ({ id, name: 'Geth/v1.17.5-stable-abc/linux-amd64/go1.25' })
  it('refuses more kept items than it may hold, naming the list', () => {
    const list = listCollector(parseElPeer, 'admin_peers', undefined, undefined, 2)
    list.add(entry('a'))
    list.add(null) // invalid entries hold no memory and do not count
    list.add(entry('b'))
    expect(() => list.add(entry('c'))).toThrow(new TooManyEntriesError('admin_peers', 2))
    expect(() => list.add(entry('c'))).toThrow('admin_peers: more than 2 entries, the most the monitor holds per layer')
  })
  it('does not count items it drops', () => {
    const list = listCollector(parseElPeer, 'x', undefined, (p) => p.id !== 'skip', 1)
    for (let i = 0; i < 5; i++) list.add(entry('skip'))
    list.add(entry('kept'))
    expect(list.result().items.map((p) => p.id)).toEqual(['kept'])
  })
  it('holds 25,000 peers per layer by default', () => {
    expect(maxPeersPerLayer).toBe(25_000)
    const whole = Array.from({ length: maxPeersPerLayer + 1 }, (_, i) => entry(i.toString(16)))
    expect(() => parseElPeers(whole)).toThrow(TooManyEntriesError)
    expect(parseElPeers(whole.slice(1)).items).toHaveLength(maxPeersPerLayer)
  })
})

describe('parsePeerEvent', () => {
  it('parses add and drop', () => {
    expect(parsePeerEvent({ type: 'add', peer: 'AB', local: '1.1.1.1:1', remote: '2.2.2.2:2' })).toEqual({
      type: 'add', id: 'ab', error: null, local: '1.1.1.1:1', remote: '2.2.2.2:2',
    })
    expect(parsePeerEvent({ type: 'drop', peer: 'ab', error: 'disconnect requested' })?.error).toBe('disconnect requested')
  })
  it('ignores other event types and junk', () => {
    expect(parsePeerEvent({ type: 'msgsend', peer: 'ab' })).toBeNull()
    expect(parsePeerEvent({ type: 'add' })).toBeNull()
    expect(parsePeerEvent(null)).toBeNull()
  })
})

describe('EL sync', () => {
  it('parses quantities', () => {
    expect(parseQuantity('0x1a', 'x')).toBe(26)
    expect(() => parseQuantity('26', 'x')).toThrow(/hex quantity/)
  })
  it('in sync', () => {
    expect(parseElSync(false, '0x64')).toEqual({ syncing: false, head: 100, highest: 100, distance: 0 })
  })
  it('syncing', () => {
    expect(parseElSync({ startingBlock: '0x0', currentBlock: '0x10', highestBlock: '0x20' }, '0x10')).toEqual({
      syncing: true, head: 16, highest: 32, distance: 16,
    })
  })
  it('malformed', () => {
    expect(() => parseElSync('yes', '0x1')).toThrow(/eth_syncing/)
  })
})
