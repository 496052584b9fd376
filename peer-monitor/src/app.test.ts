/**
 * The snapshot period, in simulated time (ManualClock drives the poll loops and the snapshot timer): the
 * fakes answer over real loopback sockets, but when a snapshot is due depends on the clock only.
 */
import type { FakeBeacon } from './testing/fakeBeacon'
import { FakeGeth, gethPeer } from './testing/fakeGeth'
import { startApp, startFakes, waitFor, type RunningApp } from './testing/harness'
import { ManualClock } from './testing/manualClock'
import type { SnapshotEvent } from './format'

let geth: FakeGeth
let beacon: FakeBeacon
let running: RunningApp | null = null

beforeEach(async () => {
  ;({ geth, beacon } = await startFakes())
})

afterEach(async () => {
  await running?.stop()
  running = null
  await geth.stop()
  await beacon.stop()
})

const snapshots = (r: RunningApp) => r.events.filter((e): e is SnapshotEvent => e.event === 'snapshot')

describe('snapshot period', () => {
  it('writes changes at once and full snapshots only every --snapshot-interval', async () => {
    const clock = new ManualClock()
    const t0 = clock.now()
    const r = (running = await startApp({ elUrl: geth.wsUrl, clUrl: beacon.url, intervalMs: 15_000, snapshotIntervalMs: 600_000 }, clock))
    await clock.advance(0) // the first cycle of each layer
    await waitFor(() => r.app.el.subscription === 'active' && r.app.cl.peers.size === 1 && r.app.el.peers.size === 1, 10_000, 'first cycles')
    geth.addPeer(gethPeer('cc'.repeat(32)))
    await waitFor(() => r.events.some((e) => e.event === 'peer_connected' && e.peer.id === 'cc'.repeat(32)), 10_000, 'peer_connected')

    // 40 poll intervals less 1 ms: polls and a change, but no snapshot.
    for (let i = 0; i < 39; i++) await clock.advance(15_000)
    await clock.advance(14_999)
    expect(snapshots(r)).toEqual([])

    await clock.advance(1)
    expect(snapshots(r)).toHaveLength(1)
    const [first] = snapshots(r)
    expect(first).toMatchObject({ trigger: 'interval', ts: new Date(t0 + 600_000).toISOString() })
    expect(first!.el.peers.map((p) => p.id).sort()).toEqual(['aa'.repeat(32), 'cc'.repeat(32)])
    expect(first!.cl.peer_count).toBe(1)

    await clock.advance(600_000)
    expect(snapshots(r).map((s) => s.ts)).toEqual([t0 + 600_000, t0 + 1_200_000].map((t) => new Date(t).toISOString()))
  })

  it('0 = never; /peers still serves the full list', async () => {
    const clock = new ManualClock()
    const r = (running = await startApp({ elUrl: geth.wsUrl, clUrl: beacon.url, intervalMs: 15_000, snapshotIntervalMs: 0 }, clock))
    await clock.advance(0)
    await waitFor(() => r.app.el.peers.size === 1 && r.app.cl.peers.size === 1, 10_000, 'first cycles')
    await clock.advance(86_400_000)
    expect(snapshots(r)).toEqual([])
    const peers = (await r.get('/peers')).json()
    expect(peers).toMatchObject({ event: 'snapshot', trigger: 'request', el: { peer_count: 1 }, cl: { peer_count: 1 } })
  })

  it('a snapshot on request (what SIGUSR2 calls) is written at once', async () => {
    const clock = new ManualClock()
    const r = (running = await startApp({ elUrl: geth.wsUrl, clUrl: beacon.url, snapshotIntervalMs: 600_000 }, clock))
    r.app.snapshot('signal')
    expect(snapshots(r)).toMatchObject([{ trigger: 'signal', ts: new Date(clock.now()).toISOString() }])
  })
})
