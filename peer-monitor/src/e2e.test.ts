/**
 * End-to-end: the built service (dist/main.js, built by `npm test`) as a child
 * process against loopback fake geth and beacon servers.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { helpText } from './config'
import type { FakeBeacon } from './testing/fakeBeacon'
import { FakeGeth, gethPeer } from './testing/fakeGeth'
import { readMetric, startFakes, waitFor } from './testing/harness'
import { productionNodeFlags } from './testing/nodeFlags'

const main = join(__dirname, '..', 'dist', 'main.js')

beforeAll(() => {
  if (!existsSync(main)) throw new Error('dist/main.js missing: run `npm run build` (npm test does it)')
})

function run(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [main, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8', timeout: 10_000 })
}

describe('CLI', () => {
  it("with the image's node flags, refuses a --max-response-bytes its heap could not parse (the real V8 limit)", () => {
    const withFlags = (...args: string[]) => spawnSync(process.execPath, [...productionNodeFlags(), main, ...args], { encoding: 'utf8', timeout: 10_000 })
    const refused = withFlags('--max-response-bytes', String(256 * 1024 * 1024))
    expect(refused.status).toBe(2)
    expect(refused.stderr).toMatch(/^eth-peer-monitor: invalid value "268435456" for --max-response-bytes: at most \d+ bytes with this process's JS heap limit of 76 MiB/)
    // The default passes that check: the error reported is the next one (URLs are checked last).
    expect(withFlags('--el-url', 'ftp://x').stderr).toMatch(/for --el-url/)
  })
  it('--help prints the usage and exits 0', () => {
    const r = run(['--help'])
    expect(r.status).toBe(0)
    expect(r.stdout).toBe(helpText)
  })
  it.each([
    [['--interval', 'abc'], {}, 'eth-peer-monitor: invalid value "abc" for --interval: expected a duration from 50ms to 24h: seconds (15, 0.5) or a number with unit ms, s, m or h (500ms, 15s, 1m)\n'],
    [['--log-format', 'yaml'], {}, 'eth-peer-monitor: invalid value "yaml" for --log-format: expected table or json\n'],
    [[], { PEER_MONITOR_LISTEN: '9200' }, 'eth-peer-monitor: invalid value "9200" for PEER_MONITOR_LISTEN (--listen): expected host:port with port 0..65535, :port (all interfaces) or a host alone (port 9201), e.g. 127.0.0.1:9201 or [::]:9201\n'],
    [['--bogus'], {}, "eth-peer-monitor: Unknown option '--bogus' (see --help)\n"],
    [['--el-url', 'ws://127.0.0.1:8546'], {}, "eth-peer-monitor: missing --cl-url (or PEER_MONITOR_CL_URL): the beacon node's API URL, e.g. http://127.0.0.1:5052 (see --help)\n"],
  ])('%p %p exits 2 with one message', (args, env, message) => {
    const r = run(args as string[], env as Record<string, string>)
    expect(r.status).toBe(2)
    expect(r.stderr).toBe(message)
    expect(r.stdout).toBe('')
  })
})

describe('service process', () => {
  let geth: FakeGeth
  let beacon: FakeBeacon
  let child: ChildProcessWithoutNullStreams | null = null

  beforeEach(async () => {
    ;({ geth, beacon } = await startFakes())
  })
  afterEach(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL')
    child = null
    await geth.stop()
    await beacon.stop()
  })

  function start(args: string[], env: Record<string, string> = {}) {
    const c = spawn(process.execPath, [main, ...args], { env: { PATH: process.env.PATH ?? '', ...env } })
    const out = { stdout: '', stderr: '' }
    c.stdout.setEncoding('utf8').on('data', (d: string) => (out.stdout += d))
    c.stderr.setEncoding('utf8').on('data', (d: string) => (out.stderr += d))
    child = c
    return { c, out }
  }

  async function listenPort(out: { stderr: string }): Promise<number> {
    const line = await waitFor(() => out.stderr.split('\n').find((l) => l.includes('peer monitor started')), 10_000, 'startup log')
    return Number(/"listen":"[^"]*:(\d+)"/.exec(line)![1])
  }

  it('streams JSON lines on stdout (logs on stderr), serves HTTP, and exits 0 on SIGTERM', async () => {
    // A 5 s interval: /healthz stays 200 (stale after 3 intervals) however slowly a loaded machine runs the polls;
    // the events below come from the subscription and the reconcile it triggers.
    const { c, out } = start(['--listen', '127.0.0.1:0', '--interval', '5s', '--snapshot-interval', '200ms'], {
      PEER_MONITOR_EL_URL: geth.wsUrl,
      PEER_MONITOR_CL_URL: beacon.url,
      PEER_MONITOR_LOG_LEVEL: 'info',
    })
    const port = await listenPort(out)
    const lines = () => out.stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, any>)
    await waitFor(() => lines().some((e) => e.event === 'peer_connected' && e.layer === 'cl'), 10_000, 'cl peer')
    await waitFor(() => geth.subscriberCount === 1, 10_000, 'subscription')
    geth.addPeer(gethPeer('bb'.repeat(32)))
    const added = await waitFor(() => lines().find((e) => e.event === 'peer_connected' && e.peer.id === 'bb'.repeat(32)), 10_000, 'add line')
    expect(added.source).toBe('subscription')
    geth.dropPeer('aa'.repeat(32))
    await waitFor(() => lines().find((e) => e.event === 'peer_disconnected' && e.peer.id === 'aa'.repeat(32)), 10_000, 'drop line')
    await waitFor(() => lines().some((e) => e.event === 'snapshot' && e.trigger === 'interval'), 10_000, 'interval snapshot')
    // The subscription's bare peer gets its client details from the reconcile that follows.
    const updated = await waitFor(() => lines().find((e) => e.event === 'peer_updated' && e.peer.id === 'bb'.repeat(32)), 10_000, 'update line')
    expect(updated.peer.client.family).toBe('geth')
    for (const e of lines()) expect(e.schema_version).toBe(1)
    // stderr carries JSON logs only, stdout carries events only
    for (const l of out.stderr.split('\n').filter((x) => x)) expect(JSON.parse(l)).toHaveProperty('level')
    expect(lines().every((e) => ['peer_connected', 'peer_disconnected', 'peer_updated', 'snapshot'].includes(e.event))).toBe(true)

    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()
    expect(readMetric(metrics, 'peer_monitor_peer_connects_total', { layer: 'el' })).toBe(2)
    expect(readMetric(metrics, 'peer_monitor_peer_disconnects_total', { layer: 'el' })).toBe(1)
    const peers = (await (await fetch(`http://127.0.0.1:${port}/peers`)).json()) as { el: { peers: { id: string }[] } }
    expect(peers.el.peers.map((p) => p.id)).toEqual(['bb'.repeat(32)])
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200)
    expect((await fetch(`http://127.0.0.1:${port}/nope`)).status).toBe(404)

    // healthcheck script (used by the image's HEALTHCHECK): all interfaces are probed on loopback
    const healthcheck = (listen: string) => spawnSync(process.execPath, [join(__dirname, '..', 'dist', 'healthcheck.js')], { env: { PEER_MONITOR_LISTEN: listen }, encoding: 'utf8', timeout: 5000 })
    expect(healthcheck(`127.0.0.1:${port}`).status).toBe(0)
    expect(healthcheck(`0.0.0.0:${port}`).status).toBe(0)
    expect(healthcheck(`[::]:${port}`).status).toBe(0)
    const bad = healthcheck(String(port))
    expect(bad.status).toBe(1)
    expect(bad.stderr).toBe(`eth-peer-monitor healthcheck: invalid value "${port}" for PEER_MONITOR_LISTEN (--listen): expected host:port with port 0..65535, :port (all interfaces) or a host alone (port 9201), e.g. 127.0.0.1:9201 or [::]:9201\n`)

    c.kill('SIGTERM')
    const code = await new Promise<number | null>((resolve) => c.on('close', (codeOrNull) => resolve(codeOrNull)))
    expect(code).toBe(0)
    expect(out.stderr).toContain('shutting down')
    expect(healthcheck(`127.0.0.1:${port}`).status).toBe(1)
  })

  it('SIGUSR2 writes a snapshot at once (the default period is 10 minutes)', async () => {
    const { c, out } = start(['--listen', '127.0.0.1:0', '--el-url', geth.wsUrl, '--cl-url', beacon.url])
    await listenPort(out)
    const snapshots = () => out.stdout.split('\n').filter((l) => l.includes('"event":"snapshot"')).map((l) => JSON.parse(l) as Record<string, any>)
    const connectedLayers = () => new Set(out.stdout.split('\n').filter((l) => l.includes('"event":"peer_connected"')).map((l) => (JSON.parse(l) as { layer: string }).layer))
    // Both layers' first polls must be in before the signal: they finish in either order.
    await waitFor(() => connectedLayers().has('el') && connectedLayers().has('cl'), 10_000, 'initial peers of both layers')
    expect(snapshots()).toEqual([])
    c.kill('SIGUSR2')
    const [snap] = await waitFor(() => (snapshots().length > 0 ? snapshots() : null), 10_000, 'signal snapshot')
    expect(snap).toMatchObject({ trigger: 'signal', el: { peer_count: 1 }, cl: { peer_count: 1 } })
    c.kill('SIGTERM')
    expect(await new Promise<number | null>((resolve) => c.on('close', (x) => resolve(x)))).toBe(0)
  })

  it('prints a table with --log-format table and text logs; SIGINT stops it', async () => {
    const { c, out } = start(['--listen', '127.0.0.1:0', '--interval', '0.2', '--snapshot-interval', '0.2', '--log-format', 'table', '--el-url', geth.httpUrl, '--cl-url', beacon.url])
    await waitFor(() => out.stderr.includes('peer monitor started'), 10_000, 'startup log')
    // Each line appears once both layers have been polled; which comes first is the machine's business.
    for (const line of [
      /=== .* snapshot \(interval\) ===/,
      /^ {2}ID +REMOTE +CLIENT +VERSION +OS +DIR +CAPS\/STATE +CONNECTED$/m,
      /^ {2}aaaaaaaa +10\.0\.64\.1:30303 +geth +1\.17\.5-stable-abc +linux-amd64 +outbound +eth\/68,snap\/1 +\d+s$/m,
      /^EL peers: 1 \| status: ok \| reported: 1 \| in sync \(block 16\) \| subscription: unsupported$/m,
      /^\S+ \+ CL mPeerOne 10\.1\.0\.16:13000 unknown - inbound \(poll\)$/m,
    ])
      await waitFor(() => line.test(out.stdout), 10_000, String(line))
    expect(out.stderr).toMatch(/^\S+ INFO  peer monitor started /m)
    c.kill('SIGINT')
    const code = await new Promise<number | null>((resolve) => c.on('close', (x) => resolve(x)))
    expect(code).toBe(0)
  })
})
