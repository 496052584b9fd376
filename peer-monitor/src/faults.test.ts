/**
 * Fault injection: each fault is produced by a real loopback server; the service
 * must stay up, classify the failure in logs, metrics and /healthz, back off,
 * and recover on its own.
 */
import type { BeaconFault, FakeBeacon } from './testing/fakeBeacon'
import { FakeGeth, gethPeer, type GethFault } from './testing/fakeGeth'
import { startApp, startFakes, waitFor, type RunningApp } from './testing/harness'
import type { PeerConnectedEvent } from './format'
import { createServer } from 'node:net'

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

/** A port with nothing listening on it. */
async function freePort(): Promise<number> {
  const s = createServer()
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()))
  const port = (s.address() as { port: number }).port
  await new Promise<void>((r) => s.close(() => r()))
  return port
}

const errors = (r: RunningApp, layer: string, endpoint: string, kind: string) =>
  r.metric('peer_monitor_rpc_errors_total', { layer, endpoint, kind })

async function expectUnhealthy(r: RunningApp, layer: 'el' | 'cl', kind: string) {
  const h = await waitFor(async () => {
    const res = await r.get('/healthz')
    return res.status === 503 && res.json().layers[layer].error?.startsWith(kind) ? res.json() : null
  }, 4000, `/healthz 503 with ${layer} ${kind}`)
  expect(h.status).toBe('unhealthy')
  expect(h.reasons.some((x: string) => x.startsWith(`${layer}:`) && x.includes(kind))).toBe(true)
  expect(await r.metric('peer_monitor_up', { layer })).toBe(0)
  const failure = r.logs.find((l) => l.msg === `${layer} update failed` && l.kind === kind)
  expect(failure).toBeDefined()
}

async function expectRecovered(r: RunningApp) {
  await waitFor(async () => (await r.get('/healthz')).status === 200, 5000, '/healthz back to 200')
  expect(r.app.el.status).toBe('ok')
  expect(r.app.cl.status).toBe('ok')
  expect(r.logs.some((l) => typeof l.msg === 'string' && l.msg.endsWith('recovered'))).toBe(true)
}

describe('EL faults', () => {
  it('endpoint down: WebSocket dropped and port closed, then back -> reconnects and re-subscribes', async () => {
    const r = (running = await startApp({ elUrl: geth.wsUrl, clUrl: beacon.url }))
    await waitFor(() => r.app.el.subscription === 'active' && r.app.el.status === 'ok', 3000, 'subscribed')
    const port = Number(new URL(geth.wsUrl).port)
    await geth.stop()
    await expectUnhealthy(r, 'el', 'refused')
    expect(await errors(r, 'el', 'websocket', 'closed')).toBeGreaterThanOrEqual(1)
    expect(await r.metric('peer_monitor_subscription_active')).toBe(0)
    // Peers are kept as last seen while the endpoint is down.
    expect(r.app.el.peers.size).toBe(1)

    await geth.start(port)
    await expectRecovered(r)
    await waitFor(() => r.app.el.subscription === 'active' && geth.subscriberCount === 1, 3000, 're-subscribed')
    geth.addPeer(gethPeer('cc'.repeat(32)))
    const e = await waitFor(() => r.events.find((x): x is PeerConnectedEvent => x.event === 'peer_connected' && x.peer.id === 'cc'.repeat(32)), 1000, 'event after re-subscribe')
    expect(e.source).toBe('subscription')
  })

  it('connection refused from the start, with exponential backoff and no busy loop', async () => {
    const port = await freePort()
    const r = (running = await startApp({ elUrl: `ws://127.0.0.1:${port}`, clUrl: beacon.url, intervalMs: 100 }))
    await expectUnhealthy(r, 'el', 'refused')
    await new Promise((res) => setTimeout(res, 1200))
    const failures = r.logs.filter((l) => l.msg === 'el update failed')
    // base 100 ms, cap 800 ms: about 5-7 attempts in ~1.3 s, never hundreds
    expect(failures.length).toBeGreaterThanOrEqual(3)
    expect(failures.length).toBeLessThan(12)
    const delays = failures.map((l) => l.retry_in_ms as number)
    expect(delays[2]!).toBeGreaterThan(delays[0]!)
    expect(Math.max(...delays)).toBeLessThanOrEqual(800)
    expect(await errors(r, 'el', 'connect', 'refused')).toBe(failures.length)
  })

  it.each<[string, 'ws' | 'http', GethFault, string]>([
    ['slow (timeout) over WebSocket', 'ws', 'slow', 'timeout'],
    ['slow (timeout) over HTTP', 'http', 'slow', 'timeout'],
    ['HTTP 500', 'http', 'http500', 'http'],
    ['malformed JSON over HTTP', 'http', 'malformed', 'malformed'],
    ['malformed JSON over WebSocket', 'ws', 'malformed', 'malformed'],
    ['oversized response over HTTP', 'http', 'oversized', 'oversized'],
    ['oversized response over WebSocket', 'ws', 'oversized', 'oversized'],
  ])('%s is reported and recovered from', async (_name, transport, fault, kind) => {
    const r = (running = await startApp({ elUrl: transport === 'ws' ? geth.wsUrl : geth.httpUrl, clUrl: beacon.url }))
    await waitFor(() => r.app.el.status === 'ok', 3000, 'first success')
    geth.fault = fault
    await expectUnhealthy(r, 'el', kind)
    expect(await errors(r, 'el', 'admin_peers', kind)).toBeGreaterThanOrEqual(1)
    // no busy loop while failing
    const before = geth.calls.get('admin_peers') ?? 0
    await new Promise((res) => setTimeout(res, 500))
    expect((geth.calls.get('admin_peers') ?? 0) - before).toBeLessThan(6)
    geth.fault = null
    await expectRecovered(r)
  })

  it('admin namespace not enabled -> says how to enable it', async () => {
    geth.adminEnabled = false
    const r = (running = await startApp({ elUrl: geth.wsUrl, clUrl: beacon.url }))
    await expectUnhealthy(r, 'el', 'admin_disabled')
    const log = r.logs.find((l) => l.kind === 'admin_disabled')!
    expect(log.level).toBe('error')
    expect(String(log.error)).toMatch(/admin_(subscribe|peers)/)
    expect(String(log.hint)).toContain('--ws.api')
    expect(String(log.hint)).toContain('--http.api')
    expect((await r.get('/peers')).json().el.error.hint).toContain('admin')
    geth.adminEnabled = true
    await expectRecovered(r)
    await waitFor(() => r.app.el.subscription === 'active', 3000, 'subscribed after enabling admin')
  })
})

describe('CL faults', () => {
  it('refused', async () => {
    const port = await freePort()
    const r = (running = await startApp({ elUrl: geth.wsUrl, clUrl: `http://127.0.0.1:${port}` }))
    await expectUnhealthy(r, 'cl', 'refused')
    expect(await errors(r, 'cl', '/eth/v1/node/peers', 'refused')).toBeGreaterThanOrEqual(1)
    expect((await r.get('/healthz')).json().reasons[0]).toMatch(/^cl: no successful update yet \(last error refused/)
  })

  it('endpoint down then back', async () => {
    const r = (running = await startApp({ elUrl: geth.wsUrl, clUrl: beacon.url }))
    await waitFor(() => r.app.cl.status === 'ok', 3000, 'cl ok')
    const port = Number(new URL(beacon.url).port)
    await beacon.stop()
    await expectUnhealthy(r, 'cl', 'refused')
    await beacon.start(port)
    await expectRecovered(r)
  })

  it.each<[BeaconFault, string]>([
    ['slow', 'timeout'],
    ['http500', 'http'],
    ['malformed', 'malformed'],
    ['oversized', 'oversized'],
  ])('%s -> %s, then recovery', async (fault, kind) => {
    const r = (running = await startApp({ elUrl: geth.wsUrl, clUrl: beacon.url }))
    await waitFor(() => r.app.cl.status === 'ok', 3000, 'cl ok')
    beacon.fault = fault
    await expectUnhealthy(r, 'cl', kind)
    expect(await errors(r, 'cl', '/eth/v1/node/peers', kind)).toBeGreaterThanOrEqual(1)
    const before = beacon.requests
    await new Promise((res) => setTimeout(res, 500))
    expect(beacon.requests - before).toBeLessThan(24)
    beacon.fault = null
    await expectRecovered(r)
    // the peer list survived the outage
    expect(r.app.cl.peers.size).toBe(1)
  })
})

describe('staleness', () => {
  it('/healthz is 503 before the first update and says why', async () => {
    geth.fault = 'slow'
    beacon.fault = 'slow'
    const r = (running = await startApp({ elUrl: geth.httpUrl, clUrl: beacon.url, timeoutMs: 3000 }))
    const res = await r.get('/healthz')
    expect(res.status).toBe(503)
    expect(res.json().reasons).toEqual(['el: no successful update yet', 'cl: no successful update yet'])
    expect(await r.metric('peer_monitor_last_success_timestamp_seconds', { layer: 'el' })).toBe(0)
  })
})
