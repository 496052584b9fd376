/**
 * `valtrack sentry` as users run it (dist/main.js, built by scripts/test.sh), against a real Prysm node and a
 * real nats-server on loopback in the isolated namespace: it handshakes the node, serves /metrics and
 * /healthz, and on SIGTERM stops before its 5 s watchdog (exit 0, not the watchdog's 1) with everything it
 * published in the stream; without --nats it appends JSON lines across restarts.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { AckPolicy, jetstreamManager } from '@nats-io/jetstream'
import { connect } from '@nats-io/transport-node'
import { freeUdpPorts } from '../discovery/syntheticDht.js'
import { validateEvent } from '../events.js'
import { newStreamConfig, STREAM_NAME } from '../sinks/streamConfig.js'
import { assertIsolatedNetns, type BeaconNode, type Devnet, identity, startDevnet, startNode, stopAll, waitFor } from '../testing/devnet.js'
import { freePort, type NatsServer, startNatsServer } from '../testing/natsServer.js'

assertIsolatedNetns()
const main = fileURLToPath(new URL('../../dist/main.js', import.meta.url))

let devnet: Devnet
let a: BeaconNode
let enrA: string
let nats: NatsServer

beforeAll(async () => {
  if (!existsSync(main)) throw new Error('dist/main.js missing: run `npm run build` in valtrack/ (scripts/test.sh does it)')
  devnet = await startDevnet({ name: 'cli', numValidators: 64 })
  a = await startNode({ name: 'cli-a', genesis: devnet })
  enrA = (await identity(a)).enr
  nats = await startNatsServer()
}, 120_000)

afterAll(async () => {
  await nats?.dispose()
  await stopAll()
})

type Run = { child: ChildProcessWithoutNullStreams; stderr: () => string; metricsUrl: string; exited: Promise<number | null> }

async function startCli(extra: string[]): Promise<Run> {
  const [udp] = await freeUdpPorts(1)
  const [tcp, metrics] = [await freePort(), await freePort()]
  const args = ['sentry', '--config', devnet.configPath, '--genesis', devnet.genesisPath, '--bootnodes', enrA, '--listen-ip', '127.0.0.1', '--external-ip', '127.0.0.1']
  args.push('--p2p-tcp-port', String(tcp), '--discv5-port', String(udp), '--metrics-addr', `127.0.0.1:${metrics}`, '-l', 'debug', ...extra)
  const child = spawn(process.execPath, [main, ...args], { env: { PATH: process.env.PATH ?? '' } })
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return { child, stderr: () => stderr, metricsUrl: `http://127.0.0.1:${metrics}`, exited }
}

const metric = async (run: Run, name: string) => {
  const text = await (await fetch(`${run.metricsUrl}/metrics`)).text().catch(() => '')
  return text
    .split('\n')
    .filter((l) => l.startsWith(name))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0)
}

/** The last JSON log line with this message. */
const logged = (run: Run, msg: string) =>
  run
    .stderr()
    .split('\n')
    .filter((l) => l.includes(`"msg":"${msg}"`))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .at(-1)

test('with --nats: handshakes the node, serves /metrics and /healthz, and SIGTERM flushes every event and exits 0 before the watchdog', async () => {
  const nc = await connect({ servers: nats.url })
  const jsm = await jetstreamManager(nc)
  await jsm.streams.add(newStreamConfig())
  await jsm.consumers.add(STREAM_NAME, { durable_name: 'cli-test', ack_policy: AckPolicy.Explicit })
  const run = await startCli(['--nats', nats.url])
  try {
    await waitFor('a handshake', async () => (await metric(run, 'valtrack_handshakes_total{result="success",client="prysm"}')) >= 1 || undefined, 90_000, 500)
    const health = await fetch(`${run.metricsUrl}/healthz`)
    expect(health.status).toBe(200)
    expect(await health.json()).toMatchObject({ ok: true, status: 'crawling' })
    run.child.kill('SIGTERM')
    expect(await run.exited).toBe(0)
    const stopped = logged(run, 'sentry stopped')!
    expect(stopped).toMatchObject({ dropped: 0, buffered: 0, inFlight: 0 })
    const info = await jsm.streams.info(STREAM_NAME)
    expect(info.state.messages).toBe(stopped.published)
    expect(stopped.published as number).toBeGreaterThanOrEqual(2)
  } finally {
    run.child.kill('SIGKILL')
    await nc.close()
  }
})

test('without --nats: JSON lines in --data-dir, appended across restarts, each line an event of the schema', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'valtrack-cli-'))
  const lines = async (file: string) => (await readFile(join(dir, file), 'utf8').catch(() => '')).split('\n').filter(Boolean)
  for (let round = 1; round <= 2; round++) {
    const before = (await lines('metadata_events.log')).length
    const run = await startCli(['--data-dir', dir])
    await waitFor(`round ${round}: a handshake written`, async () => (await lines('metadata_events.log')).length > before || undefined, 90_000, 500)
    run.child.kill('SIGTERM')
    expect(await run.exited).toBe(0)
  }
  const metadata = (await lines('metadata_events.log')).map((l) => JSON.parse(l) as { crawler_id: string })
  const discovered = (await lines('discovery_events.log')).map((l) => JSON.parse(l) as object)
  expect(metadata.length).toBeGreaterThanOrEqual(2)
  // Two sentries (two keys) each wrote their handshake of A: the first run's lines survived the second start.
  expect(new Set(metadata.map((m) => m.crawler_id)).size).toBe(2)
  for (const m of metadata) expect(validateEvent('metadata_received', m)).toEqual([])
  for (const d of discovered) expect(validateEvent('peer_discovered', d)).toEqual([])
})

test('a start-up problem is one line on stderr and exit code 1', async () => {
  const run = spawn(process.execPath, [main, 'sentry', '--config', '/nonexistent/config.yaml', '--genesis', devnet.genesisPath, '--bootnodes', enrA], { env: { PATH: process.env.PATH ?? '' } })
  let stderr = ''
  run.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
  expect(await new Promise((resolve) => run.on('exit', resolve))).toBe(1)
  expect(stderr).toMatch(/^valtrack sentry: cannot read --config \/nonexistent\/config\.yaml: ENOENT[^\n]*\n$/)
})
