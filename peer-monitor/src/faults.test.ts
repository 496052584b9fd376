/**
 * Fault injection: each fault is produced by a real loopback server; the service
 * must stay up, classify the failure in logs, metrics and /healthz, back off,
 * and recover on its own.
 *
 * Nothing here depends on how fast the machine is: the tests wait for events (with generous limits), and the
 * backoff is checked on what the service did — the delay it announced for each attempt and the number of
 * requests per attempt — not by counting requests in a window of wall-clock time. The timing of the backoff
 * itself is tested in simulated time (loop.test.ts).
 */
import { backoffForInterval, type BackoffOptions } from './backoff'
import type { BeaconFault, FakeBeacon } from './testing/fakeBeacon'
import { FakeGeth, gethPeer, type GethFault } from './testing/fakeGeth'
import { startApp, startFakes, waitFor, type RunningApp } from './testing/harness'
import { ManualClock } from './testing/manualClock'
import type { PeerConnectedEvent } from './format'
import { createServer } from 'node:net'

/** Upper limit for waiting on an event: far above what any of them takes, so only a real hang fails. */
const patience = 10_000

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

type FailureLog = { attempt: number; retry_in_ms: number; kind: string }
const failureLogs = (r: RunningApp, layer: 'el' | 'cl') => r.logs.filter((l) => l.msg === `${layer} update failed`) as unknown as FailureLog[]

/** Waits for `n` failed attempts in a row of `kind` (after those already logged). */
async function failuresInARow(r: RunningApp, layer: 'el' | 'cl', kind: string, n: number): Promise<FailureLog[]> {
  return waitFor(() => {
    const logs = failureLogs(r, layer)
    const run = logs.slice(logs.findIndex((l) => l.kind === kind))
    return run.length >= n && run[0]!.kind === kind ? run : null
  }, patience, `${n} ${layer} ${kind} failures`)
}

/**
 * The delays announced for consecutive attempts follow the backoff: attempt n waits within [d/2, d],
 * d = min(cap, base * 2^(n-1)), so a failing layer is never retried in a busy loop.
 */
function expectBackoff(logs: FailureLog[], { baseMs, capMs }: BackoffOptions) {
  const first = logs[0]!.attempt
  logs.forEach((l, i) => {
    expect(l.attempt).toBe(first + i)
    const d = Math.min(capMs, baseMs * 2 ** (l.attempt - 1))
    expect(l.retry_in_ms).toBeGreaterThanOrEqual(Math.floor(d / 2))
    expect(l.retry_in_ms).toBeLessThanOrEqual(d)
  })
}

async function expectUnhealthy(r: RunningApp, layer: 'el' | 'cl', kind: string) {
  const h = await waitFor(async () => {
    const res = await r.get('/healthz')
    return res.status === 503 && res.json().layers[layer].error?.startsWith(kind) ? res.json() : null
  }, patience, `/healthz 503 with ${layer} ${kind}`)
  expect(h.status).toBe('unhealthy')
  expect(h.reasons.some((x: string) => x.startsWith(`${layer}:`) && x.includes(kind))).toBe(true)
  expect(await r.metric('peer_monitor_up', { layer })).toBe(0)
  const failure = r.logs.find((l) => l.msg === `${layer} update failed` && l.kind === kind)
  expect(failure).toBeDefined()
}

async function expectRecovered(r: RunningApp) {
  await waitFor(async () => (await r.get('/healthz')).status === 200, patience, '/healthz back to 200')
  expect(r.app.el.status).toBe('ok')
  expect(r.app.cl.status).toBe('ok')
  expect(r.logs.some((l) => typeof l.msg === 'string' && l.msg.endsWith('recovered'))).toBe(true)
}

describe('EL faults', () => {
  it('endpoint down: WebSocket dropped and port closed, then back -> reconnects and re-subscribes', async () => {
    const r = (running = await startApp({ elUrl: geth.wsUrl, clUrl: beacon.url }))
    await waitFor(() => r.app.el.subscription === 'active' && r.app.el.status === 'ok', patience, 'subscribed')
    const port = Number(new URL(geth.wsUrl).port)
    await geth.stop()
    await expectUnhealthy(r, 'el', 'refused')
    expect(await errors(r, 'el', 'websocket', 'closed')).toBeGreaterThanOrEqual(1)
    expect(await r.metric('peer_monitor_subscription_active')).toBe(0)
    // Peers are kept as last seen while the endpoint is down.
    expect(r.app.el.peers.size).toBe(1)

    await geth.start(port)
    await expectRecovered(r)
    await waitFor(() => r.app.el.subscription === 'active' && geth.subscriberCount === 1, patience, 're-subscribed')
    geth.addPeer(gethPeer('cc'.repeat(32)))
    const e = await waitFor(() => r.events.find((x): x is PeerConnectedEvent => x.event === 'peer_connected' && x.peer.id === 'cc'.repeat(32)), patience, 'event after re-subscribe')
    expect(e.source).toBe('subscription')
  })

  it('connection refused from the start, with exponential backoff and no busy loop', async () => {
    const port = await freePort()
    const r = (running = await startApp({ elUrl: `ws://127.0.0.1:${port}`, clUrl: beacon.url, intervalMs: 100 }))
    await expectUnhealthy(r, 'el', 'refused')
    // base 100 ms, cap 800 ms: 50-100, 100-200, 200-400, 400-800, 400-800 ms
    const logs = await failuresInARow(r, 'el', 'refused', 5)
    expect(logs[0]!.attempt).toBe(1)
    expectBackoff(logs, backoffForInterval(100))
    // One connection attempt per logged failure: no retries besides the announced ones.
    const before = failureLogs(r, 'el').length
    const connects = await errors(r, 'el', 'connect', 'refused')
    expect(connects).toBeGreaterThanOrEqual(before)
    expect(connects).toBeLessThanOrEqual(failureLogs(r, 'el').length)
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
    await waitFor(() => r.app.el.status === 'ok', patience, 'first success')
    const callsBefore = geth.calls.get('admin_peers') ?? 0
    geth.fault = fault
    await expectUnhealthy(r, 'el', kind)
    expect(await errors(r, 'el', 'admin_peers', kind)).toBeGreaterThanOrEqual(1)
    // No busy loop while failing: the backoff's delays, and at most one admin_peers call per attempt.
    const logs = await failuresInARow(r, 'el', kind, 3)
    expectBackoff(logs, backoffForInterval(200))
    expect((geth.calls.get('admin_peers') ?? 0) - callsBefore).toBeLessThanOrEqual(failureLogs(r, 'el').length + 1)
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
    await waitFor(() => r.app.el.subscription === 'active', patience, 'subscribed after enabling admin')
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
    await waitFor(() => r.app.cl.status === 'ok', patience, 'cl ok')
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
    await waitFor(() => r.app.cl.status === 'ok', patience, 'cl ok')
    const before = beacon.requests
    beacon.fault = fault
    await expectUnhealthy(r, 'cl', kind)
    expect(await errors(r, 'cl', '/eth/v1/node/peers', kind)).toBeGreaterThanOrEqual(1)
    // No busy loop: the backoff's delays, and at most the 3 requests of a cycle (4 with identity) per attempt.
    const logs = await failuresInARow(r, 'cl', kind, 3)
    expectBackoff(logs, backoffForInterval(200))
    expect(beacon.requests - before).toBeLessThanOrEqual(4 * (failureLogs(r, 'cl').length + 1))
    beacon.fault = null
    await expectRecovered(r)
    // the peer list survived the outage
    expect(r.app.cl.peers.size).toBe(1)
  })
})

describe('staleness', () => {
  it('/healthz is 503 before the first update and says why', async () => {
    // Simulated time that never moves: no cycle runs, so no update can be finished, however slow the machine.
    const r = (running = await startApp({ elUrl: geth.httpUrl, clUrl: beacon.url }, new ManualClock()))
    const res = await r.get('/healthz')
    expect(res.status).toBe(503)
    expect(res.json().reasons).toEqual(['el: no successful update yet', 'cl: no successful update yet'])
    expect(await r.metric('peer_monitor_last_success_timestamp_seconds', { layer: 'el' })).toBe(0)
    expect(geth.calls.size).toBe(0)
  })
})
