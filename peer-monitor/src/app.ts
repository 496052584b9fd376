import type { Server } from 'node:http'
import { backoffForInterval } from './backoff'
import { createBeaconClient } from './beaconClient'
import type { Config } from './config'
import { createElClient } from './elClient'
import { formatEvent, snapshotChunks, type OutputEvent, type SnapshotTrigger } from './format'
import { createLogger, type Logger } from './logger'
import { createMetrics, type Metrics } from './metrics'
import { ClMonitor, ElMonitor, type MonitorContext } from './monitor'
import { createHttpServer, listen } from './server'
import { emptyLayerState, type LayerState } from './snapshot'

export type AppIo = {
  stdout(text: string): void
  stderr(text: string): void
  now(): number
}

const defaultIo: AppIo = {
  stdout: (t) => void process.stdout.write(t),
  stderr: (t) => void process.stderr.write(t),
  now: Date.now,
}

/** Wires clients, monitors, output and the HTTP server together. */
export class App {
  readonly el: LayerState = emptyLayerState('el')
  readonly cl: LayerState = emptyLayerState('cl')
  readonly metrics: Metrics
  readonly logger: Logger
  private readonly elMonitor: ElMonitor
  private readonly clMonitor: ClMonitor
  private readonly server: Server
  private snapshotTimer: NodeJS.Timeout | null = null
  private changeSnapshot: NodeJS.Immediate | null = null

  constructor(readonly config: Config, private readonly io: AppIo = defaultIo) {
    this.metrics = createMetrics()
    this.logger = createLogger(config.logLevel, config.logFormat === 'json' ? 'json' : 'text', io.stderr, io.now)
    const ctx: MonitorContext = {
      metrics: this.metrics,
      logger: this.logger,
      emit: (e) => this.write(e),
      onChange: () => this.changed(),
      now: io.now,
      intervalMs: config.intervalMs,
      backoff: backoffForInterval(config.intervalMs),
    }
    const clientOptions = { timeoutMs: config.timeoutMs, maxResponseBytes: config.maxResponseBytes }
    this.elMonitor = new ElMonitor(ctx, this.el, createElClient(config.elUrl, clientOptions))
    this.clMonitor = new ClMonitor(ctx, this.cl, createBeaconClient(config.clUrl, clientOptions))
    this.server = createHttpServer({ metrics: this.metrics, el: this.el, cl: this.cl, staleMs: 3 * config.intervalMs, now: io.now })
  }

  private write(event: OutputEvent) {
    this.io.stdout(formatEvent(event, this.config.logFormat))
  }

  /** Writes a snapshot to stdout in pieces (see snapshotChunks): no 10 MB string at 10,000 peers. */
  snapshot(trigger: SnapshotTrigger) {
    const format = this.config.logFormat === 'json' ? 'json' : 'table'
    for (const piece of snapshotChunks(this.el, this.cl, trigger, this.io.now(), format)) this.io.stdout(piece)
  }

  /** A `change` snapshot follows every change; changes within one turn of the event loop share it. */
  private changed() {
    if (this.changeSnapshot) return
    this.changeSnapshot = setImmediate(() => {
      this.changeSnapshot = null
      this.snapshot('change')
    })
  }

  /** Starts the HTTP server and both monitors; resolves with the bound address. */
  async start(): Promise<{ host: string; port: number }> {
    const address = await listen(this.server, this.config.listenHost, this.config.listenPort)
    this.logger.info('peer monitor started', {
      listen: `${address.address}:${address.port}`,
      el_url: redact(this.config.elUrl),
      cl_url: redact(this.config.clUrl),
      interval_s: this.config.intervalMs / 1000,
    })
    this.elMonitor.start()
    this.clMonitor.start()
    this.snapshotTimer = setInterval(() => this.snapshot('interval'), this.config.intervalMs)
    return { host: address.address, port: address.port }
  }

  /** Stops timers, sockets and the server. */
  async stop(): Promise<void> {
    if (this.snapshotTimer) clearInterval(this.snapshotTimer)
    this.snapshotTimer = null
    if (this.changeSnapshot) clearImmediate(this.changeSnapshot)
    this.changeSnapshot = null
    this.elMonitor.stop()
    this.clMonitor.stop()
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve())
      this.server.closeAllConnections()
    })
  }
}

/** Hides credentials in URLs before logging them. */
export function redact(url: string): string {
  try {
    const u = new URL(url)
    if (u.username || u.password) {
      u.username = '***'
      u.password = ''
    }
    return u.toString()
  } catch {
    return url
  }
}
