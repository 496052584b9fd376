/**
 * Integration tests: real JSON-RPC (HTTP + WebSocket) and beacon API servers on
 * 127.0.0.1 ephemeral ports; the service runs in-process with a 0.2 s interval.
 */
import { beaconPeer, FakeBeacon } from './testing/fakeBeacon'
import { FakeGeth, gethPeer } from './testing/fakeGeth'
import { startApp, startFakes, waitFor, type RunningApp } from './testing/harness'
import type { PeerConnectedEvent, PeerDisconnectedEvent, PeerUpdatedEvent } from './format'

let geth: FakeGeth
let beacon: FakeBeacon
let running: RunningApp | null = null

beforeEach(async () => {
  ;({ geth, beacon } = await startFakes())
  geth.peers = [gethPeer('aa'.repeat(32)), gethPeer('bb'.repeat(32), { network: { remoteAddress: '10.9.9.9:30303', inbound: true } })]
  beacon.peers = [beaconPeer('16Uiu2HAmPeerOne'), beaconPeer('16Uiu2HAmPeerTwo', { direction: 'outbound' })]
})

afterEach(async () => {
  await running?.stop()
  running = null
  await geth.stop()
  await beacon.stop()
})

const connected = (r: RunningApp, layer: string) =>
  r.events.filter((e): e is PeerConnectedEvent => e.event === 'peer_connected' && e.layer === layer)
const disconnected = (r: RunningApp, layer: string) =>
  r.events.filter((e): e is PeerDisconnectedEvent => e.event === 'peer_disconnected' && e.layer === layer)
const updated = (r: RunningApp, layer: string) =>
  r.events.filter((e): e is PeerUpdatedEvent => e.event === 'peer_updated' && e.layer === layer)

describe('WebSocket subscription mode', () => {
  it('lists peers of both layers, pushes add/drop immediately and exports them', async () => {
    const r = (running = await startApp({ elUrl: geth.wsUrl, clUrl: beacon.url, intervalMs: 5000 }))
    await waitFor(() => r.app.el.subscription === 'active' && connected(r, 'el').length === 2 && connected(r, 'cl').length === 2, 10_000, 'initial peers')
    expect(geth.subscriberCount).toBe(1)

    // Events come from the subscription (the 5 s interval has not passed), each at once, with no snapshot.
    geth.addPeer(gethPeer('cc'.repeat(32)))
    const added = await waitFor(() => connected(r, 'el').find((e) => e.peer.id === 'cc'.repeat(32)), 10_000, 'add event')
    expect(added.source).toBe('subscription')
    expect(added.peer.client.family).toBe('unknown')
    geth.dropPeer('aa'.repeat(32), 'too many peers')
    const dropped = await waitFor(() => disconnected(r, 'el').find((e) => e.peer.id === 'aa'.repeat(32)), 10_000, 'drop event')
    expect(dropped).toMatchObject({ source: 'subscription', reason: 'too many peers', schema_version: 1 })
    expect(dropped.peer.client.family).toBe('geth')

    // The added peer's details are filled in by the follow-up admin_peers call, and reported as an update.
    const update = await waitFor(() => updated(r, 'el').find((e) => e.peer.id === 'cc'.repeat(32)), 10_000, 'details reconcile')
    expect(update).toMatchObject({ source: 'poll', peer: { client: { family: 'geth', version: '1.17.5-stable-abc' }, connected_since: added.peer.connected_since } })
    expect(updated(r, 'el')).toHaveLength(1)
    expect(r.events.some((e) => e.event === 'snapshot')).toBe(false)

    const peers = (await r.get('/peers')).json()
    expect(peers.trigger).toBe('request')
    expect(peers.el.subscription).toBe('active')
    expect(peers.cl.peers.map((p: { id: string }) => p.id).sort()).toEqual(['16Uiu2HAmPeerOne', '16Uiu2HAmPeerTwo'])
    expect(peers.cl.peers[0].client.family).toBe('unknown') // Prysm gives no agent
    expect(peers.schema_version).toBe(1)
    expect(peers.el.peers.map((p: { id: string }) => p.id).sort()).toEqual(['bb'.repeat(32), 'cc'.repeat(32)])
    expect(peers.el.sync).toEqual({ syncing: false, head_block: 16, highest_block: 16, distance: 0 })
    expect(peers.cl.sync).toMatchObject({ syncing: false, head_slot: 1000, distance: 0 })
    expect(peers.cl.identity).toEqual({ peer_id: '16Uiu2HAmSelf', enr: 'enr:-self' })

    expect(await r.metric('peer_monitor_peers', { layer: 'el', direction: 'outbound', client: 'geth' })).toBe(1)
    expect(await r.metric('peer_monitor_peers', { layer: 'el', direction: 'inbound', client: 'geth' })).toBe(1)
    expect(await r.metric('peer_monitor_peers', { layer: 'cl', direction: 'inbound', client: 'unknown' })).toBe(1)
    expect(await r.metric('peer_monitor_peers', { layer: 'cl', direction: 'outbound', client: 'unknown' })).toBe(1)
    expect(await r.metric('peer_monitor_peer_connects_total', { layer: 'el' })).toBe(3)
    expect(await r.metric('peer_monitor_peer_disconnects_total', { layer: 'el' })).toBe(1)
    expect(await r.metric('peer_monitor_peer_session_duration_seconds_count', { layer: 'el' })).toBe(1)
    expect(await r.metric('peer_monitor_subscription_active')).toBe(1)
    expect(await r.metric('peer_monitor_sync_head', { layer: 'cl' })).toBe(1000)
    expect(await r.metric('peer_monitor_reported_peers', { layer: 'cl' })).toBe(2)
    const lastSuccess = await r.metric('peer_monitor_last_success_timestamp_seconds', { layer: 'el' })
    expect(lastSuccess).toBeGreaterThan(0)
    expect(lastSuccess).toBeLessThanOrEqual(Date.now() / 1000)
    expect((await r.get('/healthz')).status).toBe(200)
  })

  it('a sync status change shows up in metrics and snapshots', async () => {
    geth.syncing = { startingBlock: '0x0', currentBlock: '0x10', highestBlock: '0x30' }
    beacon.sync = { ...beacon.sync, is_syncing: true, sync_distance: '7' }
    const r = (running = await startApp({ elUrl: geth.wsUrl, clUrl: beacon.url }))
    await waitFor(async () => (await r.metric('peer_monitor_sync_distance', { layer: 'el' })) === 32, 10_000, 'el distance')
    expect(await r.metric('peer_monitor_sync_syncing', { layer: 'el' })).toBe(1)
    expect(await r.metric('peer_monitor_sync_distance', { layer: 'cl' })).toBe(7)
    expect(await r.metric('peer_monitor_sync_syncing', { layer: 'cl' })).toBe(1)
  })

  it('exports is_optimistic and el_offline of the beacon node as 1/0 gauges', async () => {
    const r = (running = await startApp({ elUrl: geth.wsUrl, clUrl: beacon.url }))
    const text = async () => (await r.get('/metrics')).text
    await waitFor(async () => (await text()).includes('peer_monitor_sync_optimistic{layer="cl"} 0\n'), 10_000, 'optimistic 0')
    let metrics = await text()
    expect(metrics).toContain('# TYPE peer_monitor_sync_optimistic gauge\n')
    expect(metrics).toContain('# TYPE peer_monitor_sync_el_offline gauge\n')
    expect(metrics).toContain('peer_monitor_sync_el_offline{layer="cl"} 0\n')
    // Only the CL has these fields.
    expect(metrics).not.toMatch(/peer_monitor_sync_(optimistic|el_offline)\{layer="el"\}/)

    beacon.sync = { ...beacon.sync, is_optimistic: true, el_offline: true }
    await waitFor(async () => (await text()).includes('peer_monitor_sync_el_offline{layer="cl"} 1\n'), 10_000, 'el_offline 1')
    metrics = await text()
    expect(metrics).toContain('peer_monitor_sync_optimistic{layer="cl"} 1\n')
    expect((await r.get('/peers')).json().cl.sync).toMatchObject({ is_optimistic: true, el_offline: true })

    beacon.sync = { ...beacon.sync, is_optimistic: false }
    await waitFor(async () => (await text()).includes('peer_monitor_sync_optimistic{layer="cl"} 0\n'), 10_000, 'optimistic back to 0')
    expect(await text()).toContain('peer_monitor_sync_el_offline{layer="cl"} 1\n')

    // A node that omits the fields: no sample rather than a guessed 0.
    const { is_optimistic: _o, el_offline: _e, ...rest } = beacon.sync
    beacon.sync = rest
    await waitFor(async () => !(await text()).includes('peer_monitor_sync_optimistic{'), 10_000, 'optimistic series removed')
    metrics = await text()
    expect(metrics).not.toContain('peer_monitor_sync_el_offline{')
    expect(r.app.cl.status).toBe('ok')
  })

  it('keeps the list when entries are odd, counting the skipped ones', async () => {
    geth.peers = [
      gethPeer('aa'.repeat(32), { protocols: { eth: 'handshake', snap: 'unknown' }, caps: undefined }),
      null,
      { enr: 'enr:-noid' },
      gethPeer('dd'.repeat(32), { enr: undefined, newField: { nested: true } }),
    ]
    beacon.peers = [beaconPeer('16Uiu2HAmOk'), { state: 'connected' } as never]
    const r = (running = await startApp({ elUrl: geth.wsUrl, clUrl: beacon.url }))
    await waitFor(() => r.app.el.peers.size === 2 && r.app.cl.peers.size === 1, 10_000, 'lists')
    expect(r.app.el.peers.get('aa'.repeat(32))!.peer.caps).toEqual(['eth', 'snap'])
    expect(r.app.el.peers.get('dd'.repeat(32))!.peer.enr).toBeNull()
    expect((await r.get('/peers')).json().el.invalid_entries).toBe(2)
    expect(await r.metric('peer_monitor_invalid_entries_total', { layer: 'el' })).toBeGreaterThanOrEqual(2)
    expect(await r.metric('peer_monitor_invalid_entries_total', { layer: 'cl' })).toBeGreaterThanOrEqual(1)
    expect(r.app.el.status).toBe('ok')
  })

  it('treats a null admin_peers result as an empty list', async () => {
    geth.fault = 'null_result'
    const r = (running = await startApp({ elUrl: geth.wsUrl, clUrl: beacon.url }))
    await waitFor(() => r.app.el.status === 'ok', 10_000, 'el ok')
    expect(r.app.el.peers.size).toBe(0)
  })

  it('falls back to polling when the node refuses subscriptions', async () => {
    geth.subscriptionsSupported = false
    const r = (running = await startApp({ elUrl: geth.wsUrl, clUrl: beacon.url }))
    await waitFor(() => r.app.el.peers.size === 2, 10_000, 'polled peers')
    expect(r.app.el.subscription).toBe('unsupported')
    geth.addPeer(gethPeer('ee'.repeat(32)), false)
    const e = await waitFor(() => connected(r, 'el').find((x) => x.peer.id === 'ee'.repeat(32)), 10_000, 'polled add')
    expect(e.source).toBe('poll')
    expect(e.peer.client.version).toBe('1.17.5-stable-abc')
  })
})

describe('HTTP polling mode', () => {
  it('polls admin_peers over http:// and reports changes', async () => {
    const r = (running = await startApp({ elUrl: geth.httpUrl, clUrl: beacon.url }))
    await waitFor(() => r.app.el.peers.size === 2, 10_000, 'http peers')
    expect(r.app.el.subscription).toBe('unsupported')
    expect(geth.calls.get('admin_subscribe')).toBeUndefined()
    geth.dropPeer('bb'.repeat(32), 'x', false)
    beacon.peers.pop()
    const d = await waitFor(() => disconnected(r, 'el')[0], 10_000, 'polled drop')
    expect(d.source).toBe('poll')
    await waitFor(() => disconnected(r, 'cl').length === 1, 10_000, 'cl drop')
    const peers = (await r.get('/peers')).json()
    expect(peers.el).toMatchObject({ status: 'ok', peer_count: 1 })
    expect(peers.cl).toMatchObject({ status: 'ok', peer_count: 1 })
  })
})
