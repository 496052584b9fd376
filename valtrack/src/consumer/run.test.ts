/**
 * `valtrack consumer` as a process: `--api` serves the read-only API over the consumer's own data dir (the
 * built binary against a real nats-server), a bad token is exit 2 before anything connects, and
 * `--stream-replicas` is the replicas of the stream it creates (a real three-server cluster).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { jetstreamManager } from '@nats-io/jetstream'
import { connect } from '@nats-io/transport-node'
import { writeParts } from '../query/testParts.js'
import { metadataEvent } from '../sinks/fixtures.js'
import { STREAM_NAME } from '../sinks/streamConfig.js'
import { durableInfo, publishEvents } from '../testing/consumerHarness.js'
import { freePort, NatsServer, startNatsServer } from '../testing/natsServer.js'
import { waitFor } from '../testing/waitFor.js'
import { instanceIdOf, runConsumer } from './run.js'

test('the instance id is the host name made safe for part names', () => {
  expect(instanceIdOf('node-1.example.org')).toBe('node_1_example_org')
  expect(instanceIdOf('')).toBe('consumer')
  expect(instanceIdOf('a'.repeat(100))).toHaveLength(48)
})

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'valtrack-consumer-run-'))
})
afterEach(() => rm(dir, { recursive: true, force: true }))

const global = (natsUrls: string[], streamReplicas = 1) => ({ logLevel: 'error' as const, natsUrls, streamReplicas })

test('--api with a bad token file: one line, exit 2, before connecting or creating the data dir', async () => {
  // A TCP listener standing in for NATS: any connection attempt would show up here.
  const sockets: Socket[] = []
  const fake = createServer((s) => sockets.push(s))
  await new Promise<void>((r) => fake.listen(0, '127.0.0.1', r))
  const url = `nats://127.0.0.1:${(fake.address() as { port: number }).port}`
  const stderr: string[] = []
  const write = process.stderr.write
  process.stderr.write = ((s: string) => (stderr.push(String(s)), true)) as typeof write
  const dataDir = join(dir, 'data')
  try {
    const options = { name: 'c', dataDir, metricsAddr: { host: '127.0.0.1', port: 0 }, api: { host: '127.0.0.1', port: 0 } }
    expect(await runConsumer(global([url]), { ...options, apiTokenFile: join(dir, 'missing') }, {})).toBe(2)
    expect(await runConsumer(global([url]), options, { VALTRACK_API_TOKEN: '' })).toBe(2)
  } finally {
    process.stderr.write = write
    for (const s of sockets) s.destroy()
    fake.close()
  }
  expect(stderr).toEqual([`valtrack consumer: cannot read --api-token-file ${join(dir, 'missing')}: ENOENT\n`, 'valtrack consumer: $VALTRACK_API_TOKEN is set but empty\n'])
  expect(sockets).toHaveLength(0)
  expect(existsSync(dataDir)).toBe(false)
})

// The built binary (npm run build): a real process with real signals.
const main = fileURLToPath(new URL('../../dist/main.js', import.meta.url))
const built = existsSync(main)

function spawnConsumer(args: string[], env: NodeJS.ProcessEnv = {}): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [main, 'consumer', '--metrics-addr', '127.0.0.1:0', '--data-dir', dir, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()))
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  return { child, output: () => output, exited }
}

;(built ? describe : describe.skip)('dist/main.js consumer', () => {
  test('--api serves /healthz, and /validators over its own data dir (what was there and what it consumes)', async () => {
    // A part already in the data dir (an earlier run), then events consumed from NATS.
    await writeParts(dir, [], [{ ev: metadataEvent(1), seq: 1_000_000 }], 'earlier')
    const tokenFile = join(dir, 'token')
    await writeFile(tokenFile, 'tok-consumer\n')
    const nats = await startNatsServer()
    const port = await freePort()
    const proc = spawnConsumer(['--nats', nats.url, '--api', `127.0.0.1:${port}`, '--api-token-file', tokenFile])
    const base = `http://127.0.0.1:${port}`
    const auth = { headers: { authorization: 'Bearer tok-consumer' } }
    try {
      expect(await waitFor('the API up', () => fetch(`${base}/healthz`).then((r) => r.json()))).toEqual({ ok: true })
      expect((await fetch(`${base}/validators`)).status).toBe(401)
      const before = await (await fetch(`${base}/validators`, auth)).json()
      expect(before.validators.map((v: { id: string }) => v.id)).toEqual(['16Uiu2HAm-test-1'])
      const nc = await connect({ servers: nats.url })
      try {
        // Interest retention: events published before the durable exists would be dropped.
        await waitFor('the durable', () => durableInfo(nc, 'valtrack-consumer').catch(() => undefined))
        await publishEvents(nc, 1, 5) // 1, 2, 4, 5 are metadata events (3 is a discovery)
      } finally {
        await nc.close()
      }
      // A part is finalised within 10 s (the consumer's part age).
      const ids = await waitFor('the consumed peers in /validators', async () => {
        const body = await (await fetch(`${base}/validators`, auth)).json()
        return body.count === 4 && body.validators.map((v: { id: string }) => v.id).sort()
      }, 20_000, 250)
      expect(ids).toEqual([1, 2, 4, 5].map((n) => `16Uiu2HAm-test-${n}`))
      expect((await (await fetch(`${base}/stats`, auth)).json()).peers).toBe(4)
    } finally {
      proc.child.kill('SIGTERM')
      expect(await proc.exited).toBe(0)
      await nats.dispose()
    }
    expect(proc.output()).toContain(`"api":"127.0.0.1:${port} (bearer token required)"`)
    expect(proc.output()).not.toContain('tok-consumer')
  }, 45_000)

  test('--api on a taken address: one line, exit 1', async () => {
    const taken = createServer()
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r))
    const port = (taken.address() as { port: number }).port
    try {
      const proc = spawnConsumer(['--nats', 'nats://127.0.0.1:1', '--api', `127.0.0.1:${port}`])
      expect(await proc.exited).toBe(1)
      expect(proc.output()).toBe(`valtrack consumer: cannot listen on --api 127.0.0.1:${port}: listen EADDRINUSE: address already in use 127.0.0.1:${port}\n`)
    } finally {
      taken.close()
    }
  })

  test('--stream-replicas 3: the stream it creates on a three-server cluster has 3 replicas', async () => {
    const routes = [await freePort(), await freePort(), await freePort()]
    const servers = await Promise.all(routes.map((port, i) => NatsServer.create({ name: `r${i + 1}`, cluster: { name: 'valtrack-run', port, routes: routes.filter((p) => p !== port) }, readyTimeoutMs: 30_000 })))
    await Promise.all(servers.map((s) => s.start()))
    const urls = servers.map((s) => s.url).join(',')
    const proc = spawnConsumer(['--nats', urls, '--stream-replicas', '3'])
    const nc = await connect({ servers: servers.map((s) => s.url) })
    try {
      // The meta leader is elected some seconds after the servers are up; the consumer retries until then.
      const info = await waitFor('the stream', async () => (await jetstreamManager(nc)).streams.info(STREAM_NAME), 30_000, 200)
      expect(info.config.num_replicas).toBe(3)
    } finally {
      await nc.close()
      proc.child.kill('SIGTERM')
      expect(await proc.exited).toBe(0)
      await Promise.all(servers.map((s) => s.dispose()))
    }
  }, 60_000)
})
