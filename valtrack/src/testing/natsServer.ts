/**
 * A real nats-server for tests, on 127.0.0.1 only. The binary is looked up on PATH, then in
 * $ETH_E2E_CACHE/bin (default /var/cache/eth-node-e2e/bin). When it is missing, `startNatsServer` throws with the
 * command that builds it: tests that need NATS fail instead of silently skipping.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { accessSync, constants } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'

const NATS_VERSION = 'v2.15.2'

export type NatsClusterOptions = {
  /** Cluster name, the same on every node. */
  name: string
  /** This node's route port. */
  port: number
  /** The other nodes' route ports on 127.0.0.1. */
  routes: number[]
}

export type NatsServerOptions = {
  /** JetStream on (`-js`); default true. */
  jetstream?: boolean
  /** Client port; default a free one. */
  port?: number
  /** JetStream store directory; default a fresh temporary one, removed by `dispose`. */
  storeDir?: string
  /** Server name (JetStream clusters need distinct ones). */
  name?: string
  cluster?: NatsClusterOptions
  /** How long to wait for "Server is ready". */
  readyTimeoutMs?: number
}

/** Where the binary is; throws the build command when it is nowhere. */
export function natsServerBinary(env: NodeJS.ProcessEnv = process.env): string {
  const cacheBin = join(env.ETH_E2E_CACHE ?? '/var/cache/eth-node-e2e', 'bin')
  const dirs = [...(env.PATH ?? '').split(delimiter).filter(Boolean), cacheBin]
  for (const dir of dirs) {
    const candidate = join(dir, 'nats-server')
    try {
      accessSync(candidate, constants.X_OK)
      return candidate
    } catch {
      // not in this directory
    }
  }
  throw new Error(
    `nats-server not found on PATH nor in ${cacheBin}; build it with: ` +
      `GOBIN=${cacheBin} GOFLAGS=-buildvcs=false go install github.com/nats-io/nats-server/v2@${NATS_VERSION}`,
  )
}

/** A TCP port free on 127.0.0.1 right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

/** Servers still running when the test process exits are killed, so that none outlives a crashed jest worker. */
const running = new Set<ChildProcess>()
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL')
})

export class NatsServer {
  private child: ChildProcess | undefined
  private log = ''

  private constructor(
    readonly binary: string,
    readonly port: number,
    readonly storeDir: string,
    private readonly ownsStoreDir: boolean,
    private readonly options: NatsServerOptions,
  ) {}

  /** nats://127.0.0.1:<port> */
  get url(): string {
    return `nats://127.0.0.1:${this.port}`
  }

  get isRunning(): boolean {
    return this.child !== undefined
  }

  /** The server's output so far (for failure messages). */
  get output(): string {
    return this.log
  }

  /** Prepares a server without starting it (a test of "NATS down at start" starts it later). */
  static async create(options: NatsServerOptions = {}): Promise<NatsServer> {
    const binary = natsServerBinary()
    const port = options.port ?? (await freePort())
    const storeDir = options.storeDir ?? (await mkdtemp(join(tmpdir(), 'valtrack-nats-')))
    return new NatsServer(binary, port, storeDir, options.storeDir === undefined, options)
  }

  args(): string[] {
    const o = this.options
    const args = ['-a', '127.0.0.1', '-p', String(this.port)]
    if (o.jetstream !== false) args.push('-js', '-sd', this.storeDir)
    if (o.name) args.push('-n', o.name)
    if (o.cluster) {
      args.push('--cluster_name', o.cluster.name, '--cluster', `nats://127.0.0.1:${o.cluster.port}`)
      if (o.cluster.routes.length > 0) args.push('--routes', o.cluster.routes.map((p) => `nats://127.0.0.1:${p}`).join(','))
    }
    return args
  }

  /** Starts the process and resolves once it logs "Server is ready"; rejects with its output if it exits first. */
  async start(): Promise<void> {
    if (this.child) throw new Error('nats-server already running')
    this.log = '' // a restart must not find the previous run's "Server is ready"
    const child = spawn(this.binary, this.args(), { stdio: ['ignore', 'pipe', 'pipe'] })
    this.child = child
    running.add(child)
    child.once('exit', () => {
      running.delete(child)
      if (this.child === child) this.child = undefined
    })
    await this.waitReady(child, this.options.readyTimeoutMs ?? 15_000)
  }

  /** SIGTERM (a clean shutdown), then SIGKILL if it has not exited after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    await this.signal('SIGTERM', graceMs)
  }

  /** SIGKILL: a crash. */
  async kill(): Promise<void> {
    await this.signal('SIGKILL', 10_000)
  }

  /** Stops and starts again on the same port and store directory. */
  async restart(): Promise<void> {
    await this.stop()
    await this.start()
  }

  /** Stops, and removes the store directory if it was made here. */
  async dispose(): Promise<void> {
    await this.stop()
    if (this.ownsStoreDir) await rm(this.storeDir, { recursive: true, force: true })
  }

  private async signal(signal: NodeJS.Signals, graceMs: number): Promise<void> {
    const child = this.child
    if (!child) return
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
    child.kill(signal)
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
    await exited
    clearTimeout(timer)
  }

  private waitReady(child: ChildProcess, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        // The tail is enough for a failure message; a long-running server must not grow it forever.
        this.log = (this.log + chunk.toString()).slice(-65_536)
        if (this.log.includes('Server is ready')) finish()
      }
      const onExit = (code: number | null, sig: string | null) =>
        finish(new Error(`nats-server exited before it was ready (code ${code}, signal ${sig}):\n${this.log}`))
      const timer = setTimeout(() => {
        child.kill('SIGKILL')
        finish(new Error(`nats-server not ready within ${timeoutMs} ms:\n${this.log}`))
      }, timeoutMs)
      const finish = (error?: Error) => {
        clearTimeout(timer)
        child.off('exit', onExit)
        if (error) reject(error)
        else resolve()
      }
      // Keep reading after readiness so that the pipe never fills and blocks the server.
      child.stdout?.on('data', onData)
      child.stderr?.on('data', onData)
      child.once('exit', onExit)
    })
  }
}

/** Creates and starts a server. */
export async function startNatsServer(options: NatsServerOptions = {}): Promise<NatsServer> {
  const server = await NatsServer.create(options)
  await server.start()
  return server
}
