/**
 * `--nats-user` and `--nats-password-file`: the file read at start (loadNatsAuth), and the built binary's sentry
 * and consumer logging in to a real nats-server that requires a user and a bcrypted password (as the eth-node
 * deployment configures it), while a wrong password is refused. The sentry also takes its beacon node's ENR from
 * a beacon API standing in for Prysm (`--bootnode-from`), which first answers 503 as a starting node does.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { jetstreamManager } from '@nats-io/jetstream'
import { connect } from '@nats-io/transport-node'
import { bootnodes } from '../discovery/bootnodes.js'
import { freePort, NatsServer } from '../testing/natsServer.js'
import { waitFor } from '../testing/waitFor.js'
import { loadNatsAuth, NatsAuthError } from './natsSink.js'
import { STREAM_NAME } from './streamConfig.js'

const main = fileURLToPath(new URL('../../dist/main.js', import.meta.url))

const USER = 'valtrack'
const PASSWORD = 'valtrack-test-password'
/** bcrypt (cost 10) of PASSWORD, made with golang.org/x/crypto/bcrypt as the Terraform random provider makes its bcrypt_hash. */
const PASSWORD_BCRYPT = '$2a$10$EFMy2HQmz4rzq1UjNJDNoOr5GqsV0.oNdspJ6JzeELvNY0EpVh1jS'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'valtrack-nats-auth-'))
})
afterEach(() => rm(dir, { recursive: true, force: true }))

describe('loadNatsAuth', () => {
  test('no options: no credentials; the file trimmed becomes the password', async () => {
    expect(await loadNatsAuth(undefined)).toBeUndefined()
    const f = join(dir, 'pw')
    await writeFile(f, `  ${PASSWORD}\n`)
    expect(await loadNatsAuth({ user: USER, passwordFile: f })).toEqual({ user: USER, pass: PASSWORD })
  })

  test('a missing or empty file is a NatsAuthError naming the file, never the content', async () => {
    await expect(loadNatsAuth({ user: USER, passwordFile: join(dir, 'missing') })).rejects.toThrow(new NatsAuthError(`cannot read --nats-password-file ${join(dir, 'missing')}: ENOENT`))
    const f = join(dir, 'empty')
    await writeFile(f, ' \n')
    await expect(loadNatsAuth({ user: USER, passwordFile: f })).rejects.toThrow(new NatsAuthError(`--nats-password-file ${f} is empty`))
  })
})

/** A nats-server with JetStream that admits USER with PASSWORD only (the password stored as its bcrypt hash). */
async function authServer(): Promise<NatsServer> {
  const conf = join(dir, 'nats.conf')
  await writeFile(conf, `authorization {\n  users: [\n    { user: "${USER}", password: "${PASSWORD_BCRYPT}" }\n  ]\n}\n`)
  const server = await NatsServer.create({ storeDir: join(dir, 'store') })
  const args = server.args.bind(server)
  server.args = () => ['-c', conf, ...args()]
  await server.start()
  return server
}

type Run = { child: ChildProcessWithoutNullStreams; output: () => string; exit: Promise<number | null> }

function start(args: string[]): Run {
  const child = spawn(process.execPath, [main, ...args], { env: { PATH: process.env.PATH ?? '' } })
  let out = ''
  child.stdout.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr.on('data', (d: Buffer) => (out += d.toString()))
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  return { child, output: () => out, exit }
}

async function stop(run: Run): Promise<number | null> {
  if (run.child.exitCode === null) run.child.kill('SIGTERM')
  return run.exit
}

const metricsPort = (run: Run): number | undefined => {
  const m = /"addr":"127\.0\.0\.1:(\d+)"/.exec(run.output()) ?? /"metrics":"127\.0\.0\.1:(\d+)"/.exec(run.output())
  return m ? Number(m[1]) : undefined
}

const healthz = async (port: number) => {
  const res = await fetch(`http://127.0.0.1:${port}/healthz`)
  return { status: res.status, body: (await res.json()) as { connected?: boolean } }
}

describe('the binary against a nats-server that requires credentials', () => {
  let server: NatsServer
  beforeEach(async () => {
    server = await authServer()
  })
  afterEach(() => server.dispose())

  test('the consumer logs in with the password file; a wrong password is refused and /healthz says so', async () => {
    const good = join(dir, 'good')
    const bad = join(dir, 'bad')
    await writeFile(good, `${PASSWORD}\n`)
    await writeFile(bad, 'not-the-password\n')
    const consumer = (file: string, name: string) =>
      start(['consumer', '--nats', server.url, '--nats-user', USER, '--nats-password-file', file, '--name', name, '--data-dir', join(dir, name), '--metrics-addr', '127.0.0.1:0', '-l', 'info'])
    const ok = consumer(good, 'ok')
    const refused = consumer(bad, 'refused')
    try {
      const okPort = await waitFor('the consumer with the password to start', () => metricsPort(ok), 20_000)
      await waitFor('it to be connected', async () => (await healthz(okPort)).status === 200, 20_000)
      const refusedPort = await waitFor('the consumer with a wrong password to serve /healthz', () => metricsPort(refused), 20_000)
      const health = await healthz(refusedPort)
      expect(health.status).toBe(503)
      expect(health.body.connected).toBe(false)
      await waitFor('the refused login, in the consumer log and the server log', () => refused.output().includes('AuthorizationError: Authorization Violation'), 20_000)
      expect(server.output).toContain(`authentication error - User "${USER}"`)
      // Logged in, it made its durable; without credentials nothing is admitted at all.
      const nc = await connect({ servers: server.url, user: USER, pass: PASSWORD })
      try {
        expect((await (await jetstreamManager(nc)).consumers.info(STREAM_NAME, 'ok')).name).toBe('ok')
      } finally {
        await nc.close()
      }
      await expect(connect({ servers: server.url, reconnect: false })).rejects.toThrow(/Authorization Violation/i)
    } finally {
      expect(await stop(ok)).toBe(0)
      await stop(refused)
    }
    expect(ok.output()).not.toContain(PASSWORD)
  }, 60_000)

  test('an empty password file: one line, exit 2, for the consumer and the sentry', async () => {
    const empty = join(dir, 'empty')
    await writeFile(empty, '')
    for (const command of ['consumer', 'sentry']) {
      const run = start([command, '--nats', server.url, '--nats-user', USER, '--nats-password-file', empty])
      expect(await run.exit).toBe(2)
      expect(run.output()).toBe(`valtrack ${command}: --nats-password-file ${empty} is empty\n`)
    }
  })

  test('the sentry logs in (it creates the stream) and starts from its beacon node, asked until it answers', async () => {
    const pw = join(dir, 'pw')
    await writeFile(pw, PASSWORD)
    const enr = bootnodes.hoodi[0]!
    let asked = 0
    const beacon: Server = createServer((req, res) => {
      asked++
      if (req.url !== '/eth/v1/node/identity') return void res.writeHead(404).end()
      // A beacon node still starting: not ready the first time.
      if (asked === 1) return void res.writeHead(503).end('{"code":503,"message":"node is starting"}')
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: { peer_id: 'x', enr, p2p_addresses: [], discovery_addresses: [], metadata: {} } }))
    })
    await new Promise<void>((r) => beacon.listen(0, '127.0.0.1', r))
    const beaconUrl = `http://127.0.0.1:${(beacon.address() as AddressInfo).port}`
    const [tcp, udp] = [await freePort(), await freePort()]
    const sentry = start([
      'sentry', '--network', 'hoodi', '--nats', server.url, '--nats-user', USER, '--nats-password-file', pw, '--bootnode-from', beaconUrl,
      '--listen-ip', '127.0.0.1', '--p2p-tcp-port', String(tcp), '--discv5-port', String(udp), '--metrics-addr', '127.0.0.1:0', '-l', 'info',
    ])
    try {
      await waitFor('the sentry to take the beacon node as a bootnode', () => sentry.output().includes('"msg":"bootnode from the beacon node"'), 20_000)
      expect(asked).toBe(2)
      expect(sentry.output()).toContain(`"enr":"${enr}"`)
      const nc = await connect({ servers: server.url, user: USER, pass: PASSWORD })
      try {
        const jsm = await jetstreamManager(nc)
        await waitFor('the stream the sentry creates once logged in', () => jsm.streams.info(STREAM_NAME).catch(() => undefined), 20_000)
      } finally {
        await nc.close()
      }
    } finally {
      expect(await stop(sentry)).toBe(0)
      beacon.close()
    }
    expect(sentry.output()).not.toContain(PASSWORD)
  }, 60_000)
})
