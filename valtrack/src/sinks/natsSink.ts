/**
 * The sentry's events to NATS JetStream (stream EVENTS, streamConfig.ts), without ever holding up the crawl:
 *
 * - `publish` serialises the event and queues it; a pump sends at most `maxInFlight` with `js.publish` and
 *   waits for each acknowledgement. Each message carries a deterministic id (a hash of subject and body), so a
 *   retry after a lost acknowledgement is stored once by the server (within the stream's duplicate window).
 * - A failed publish goes back to the front of the queue and the pump pauses for a backoff with jitter and a cap
 *   (one pause per round of failures: 256 timeouts at once are one failure round, not 256 doublings).
 * - The connection is this module's: `connect` with the client's own reconnection off, and a loop here that
 *   reconnects forever with backoff and jitter on the injected clock. Startup never waits for NATS: the first
 *   attempt runs in the background and the sentry crawls while NATS is down, the queue filling up to its bounds
 *   (boundedQueue.ts drops the oldest, counted in `dropped`).
 * - On each (re)connect the stream is created, or updated if its configuration differs, before publishing.
 * - Errors go to the injected logger, never to the caller.
 */
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import {
  JetStreamApiError,
  type JetStreamClient,
  jetstream,
  jetstreamManager,
  type PubAck,
} from '@nats-io/jetstream'
import { connect, errors, type NatsConnection } from '@nats-io/transport-node'
import { type BackoffPolicy, backoffDelay } from '../backoff.js'
import { type Clock, systemClock, type TimerHandle } from '../clock.js'
import { BoundedQueue } from './boundedQueue.js'
import { type EventOf, type EventSink, type EventType, type SinkStats, subjectOf } from './sink.js'
import { type Logger, silentLogger } from '../logger.js'
import { defaultStreamSettings, ensureStream, type StreamSettings } from './streamConfig.js'

export type NatsSinkOptions = {
  /** NATS URLs; every one is tried at each connection attempt. */
  servers: string | string[]
  logger?: Logger
  clock?: Clock
  random?: () => number
  /** Publishes awaiting their acknowledgement at most. */
  maxInFlight?: number
  /** Bounds of the queue (events waiting, not in flight); beyond them the oldest are dropped. */
  maxBufferedEvents?: number
  maxBufferedBytes?: number
  /** How long to wait for a publish's acknowledgement before retrying it. */
  ackTimeoutMs?: number
  /** How long one connection attempt may take (a black-holed address otherwise waits 20 s). */
  connectTimeoutMs?: number
  /** Between connection attempts, and after a dropped connection. */
  connectBackoff?: BackoffPolicy
  /** Between rounds of failed publishes on a live connection. */
  publishBackoff?: BackoffPolicy
  stream?: Partial<StreamSettings>
  /** The client name the server shows in its monitoring. */
  name?: string
  /** User and password to log in with (loadNatsAuth); undefined: none. */
  auth?: NatsAuth | undefined
}

/** What the sentry and the consumer log in to NATS with: the client's `user` and `pass` connect options. */
export type NatsAuth = { user: string; pass: string }

/** A NATS password file that cannot be used; the message names the file, never its content. */
export class NatsAuthError extends Error {}

/**
 * The credentials of `--nats-user` and `--nats-password-file` (the file read now, surrounding whitespace
 * removed); undefined without them. A missing, unreadable or empty file is a NatsAuthError.
 */
export async function loadNatsAuth(option: { user: string; passwordFile: string } | undefined): Promise<NatsAuth | undefined> {
  if (option === undefined) return undefined
  let text: string
  try {
    text = await readFile(option.passwordFile, 'utf8')
  } catch (e) {
    throw new NatsAuthError(`cannot read --nats-password-file ${option.passwordFile}: ${(e as { code?: string }).code ?? (e as Error).message}`)
  }
  const pass = text.trim()
  if (pass === '') throw new NatsAuthError(`--nats-password-file ${option.passwordFile} is empty`)
  return { user: option.user, pass }
}

export type NatsSinkStats = SinkStats & {
  connected: boolean
  /** Successful connections (the first and every reconnection). */
  connects: number
  /** Acknowledgements that said "duplicate": a retry of a message the server already had (stored once). */
  duplicates: number
  /** Failed attempts to create or update the stream. */
  streamErrors: number
  /** Events the server or client refused for good (too large): dropped at once rather than retried forever. Also in `dropped`. */
  rejected: number
}

export const defaultNatsSinkOptions = {
  maxInFlight: 256,
  // ~1 KB per event: up to ~64 MiB while NATS is down; a mainnet crawl emits well under 100 events/s, so
  // this covers outages of a quarter of an hour and more.
  maxBufferedEvents: 100_000,
  maxBufferedBytes: 64 * 2 ** 20,
  ackTimeoutMs: 5_000,
  connectTimeoutMs: 5_000,
  connectBackoff: { baseMs: 500, capMs: 30_000 },
  publishBackoff: { baseMs: 200, capMs: 30_000 },
} as const

type Pending = { subject: string; data: Uint8Array; msgID: string; bytes: number }

type Connection = { nc: NatsConnection; js: JetStreamClient; ready: boolean; streamAttempts: number }

/** Pure: the message id of an event, the same for every retry of it. */
export function messageId(subject: string, data: Uint8Array): string {
  return createHash('sha256').update(subject).update('\n').update(data).digest('hex')
}

/** Starts connecting in the background and returns at once. */
export function startNatsSink(options: NatsSinkOptions): NatsSink {
  const sink = new NatsSink(options)
  sink.start()
  return sink
}

const encoder = new TextEncoder()
const errorText = (err: unknown): string => (err instanceof Error ? `${err.name}: ${err.message}` : String(err))

/** JetStream's code for a message over the stream's max_msg_size. */
const MESSAGE_TOO_LARGE = 10054

/**
 * Pure: whether a publish error is the message's own fault, so that retrying can never succeed: larger than the
 * server's max_payload (the client refuses it) or than the stream's max_msg_size. Everything else (timeouts, no
 * responders, a closed connection, a stream being created) may pass and is retried.
 */
export function isPermanentPublishError(err: unknown): boolean {
  return err instanceof errors.InvalidArgumentError || (err instanceof JetStreamApiError && err.code === MESSAGE_TOO_LARGE)
}

/** Publish failures are logged as a warning at most this often (the rest at debug): an outage must not flood the log. */
const FAILURE_WARN_INTERVAL_MS = 60_000
const decade = (n: number): number => (n <= 0 ? -1 : Math.floor(Math.log10(n)))

export class NatsSink implements EventSink {
  readonly kind = 'nats' as const
  private readonly servers: string[]
  private readonly log: Logger
  private readonly clock: Clock
  private readonly random: () => number
  private readonly maxInFlight: number
  private readonly ackTimeoutMs: number
  private readonly connectTimeoutMs: number
  private readonly connectBackoff: BackoffPolicy
  private readonly publishBackoff: BackoffPolicy
  private readonly streamSettings: StreamSettings
  private readonly clientName: string
  private readonly auth: NatsAuth | undefined
  private readonly queue: BoundedQueue<Pending>

  private conn: Connection | undefined
  private connecting = false
  private connectFailures = 0
  private publishFailureRounds = 0
  private connectTimer: TimerHandle | undefined
  private retryTimer: TimerHandle | undefined
  private closing: Promise<void> | undefined
  private stopped = false
  private idleWaiters: (() => void)[] = []
  private lastFailureWarnAt = -Infinity
  private counters = { published: 0, failed: 0, dropped: 0, inFlight: 0, connects: 0, duplicates: 0, streamErrors: 0, rejected: 0 }

  constructor(options: NatsSinkOptions) {
    const o = { ...defaultNatsSinkOptions, ...options }
    this.servers = typeof o.servers === 'string' ? o.servers.split(',').map((s) => s.trim()).filter(Boolean) : [...o.servers]
    this.log = o.logger ?? silentLogger
    this.clock = o.clock ?? systemClock
    this.random = o.random ?? Math.random
    this.maxInFlight = o.maxInFlight
    this.ackTimeoutMs = o.ackTimeoutMs
    this.connectTimeoutMs = o.connectTimeoutMs
    this.connectBackoff = o.connectBackoff
    this.publishBackoff = o.publishBackoff
    this.streamSettings = { ...defaultStreamSettings, ...o.stream }
    this.clientName = o.name ?? 'valtrack-sentry'
    this.auth = o.auth
    if (!(this.maxInFlight >= 1)) throw new RangeError(`maxInFlight must be at least 1, got ${this.maxInFlight}`)
    this.queue = new BoundedQueue(o.maxBufferedEvents, o.maxBufferedBytes)
  }

  start(): void {
    void this.connectOnce()
  }

  publish<T extends EventType>(type: T, event: EventOf<T>): void {
    if (this.stopped) return this.drop(1, 'the sink is closed')
    let data: Uint8Array
    try {
      data = encoder.encode(JSON.stringify(event))
    } catch (err) {
      return this.drop(1, `not serialisable: ${errorText(err)}`)
    }
    const subject = subjectOf(type)
    const dropped = this.queue.push({ subject, data, msgID: messageId(subject, data), bytes: data.length })
    if (dropped > 0) this.drop(dropped, 'buffer full (oldest dropped)')
    this.pump()
  }

  stats(): NatsSinkStats {
    const { published, failed, dropped, inFlight, connects, duplicates, streamErrors, rejected } = this.counters
    return { published, failed, dropped, inFlight, buffered: this.queue.size, connected: this.conn !== undefined, connects, duplicates, streamErrors, rejected }
  }

  close(deadlineMs: number): Promise<void> {
    this.closing ??= this.shutdown(deadlineMs)
    return this.closing
  }

  // --- connection ---

  private async connectOnce(): Promise<void> {
    if (this.stopped || this.connecting || this.conn) return
    this.connecting = true
    let nc: NatsConnection
    try {
      // reconnect: false: reconnection is this module's loop, on the injected clock, re-checking the stream each time.
      nc = await connect({ servers: this.servers, reconnect: false, timeout: this.connectTimeoutMs, name: this.clientName, pingInterval: 20_000, maxPingOut: 3, ...this.auth })
    } catch (err) {
      this.connecting = false
      this.connectFailures++
      const level = this.connectFailures === 1 ? 'warn' : 'debug'
      this.log[level]('nats: cannot connect, will retry', { servers: this.servers, attempt: this.connectFailures, error: errorText(err) })
      return this.scheduleConnect()
    }
    this.connecting = false
    if (this.stopped) return void nc.close().catch(() => undefined)
    this.onConnected(nc)
  }

  private scheduleConnect(): void {
    if (this.stopped || this.connectTimer) return
    const delay = backoffDelay(Math.max(1, this.connectFailures), this.connectBackoff, this.random)
    this.connectTimer = this.clock.setTimeout(() => {
      this.connectTimer = undefined
      void this.connectOnce()
    }, delay)
  }

  private onConnected(nc: NatsConnection): void {
    const conn: Connection = { nc, js: jetstream(nc, { timeout: this.ackTimeoutMs }), ready: false, streamAttempts: 0 }
    this.conn = conn
    this.counters.connects++
    this.log.info('nats: connected', { server: nc.getServer(), buffered: this.queue.size })
    void nc.closed().then((err) => this.onClosed(conn, err))
    void this.prepare(conn)
  }

  private onClosed(conn: Connection, err: void | Error): void {
    if (this.conn !== conn) return
    this.conn = undefined
    if (this.stopped) return
    this.connectFailures++
    this.log.warn('nats: connection lost, reconnecting', { error: err ? errorText(err) : 'closed', buffered: this.queue.size, inFlight: this.counters.inFlight })
    this.scheduleConnect()
  }

  /** Creates or updates the stream, then lets the pump run; a failure is retried, and publishing goes on meanwhile. */
  private async prepare(conn: Connection): Promise<void> {
    conn.streamAttempts++
    try {
      await this.ensureStream(conn.nc)
      this.connectFailures = 0
    } catch (err) {
      this.counters.streamErrors++
      const level = conn.streamAttempts === 1 ? 'error' : 'debug'
      this.log[level]('nats: cannot create or update stream EVENTS, will retry', { attempt: conn.streamAttempts, error: errorText(err) })
      this.retryPrepare(conn)
    }
    conn.ready = true
    this.pump()
  }

  private retryPrepare(conn: Connection): void {
    const delay = backoffDelay(conn.streamAttempts, this.connectBackoff, this.random)
    const timer = this.clock.setTimeout(() => {
      if (this.conn === conn && !this.stopped) void this.prepare(conn)
    }, delay)
    void conn.nc.closed().then(() => this.clock.clearTimeout(timer))
  }

  private async ensureStream(nc: NatsConnection): Promise<void> {
    await ensureStream(await jetstreamManager(nc, { timeout: this.ackTimeoutMs }), this.streamSettings, this.log)
  }

  // --- publishing ---

  private pump(): void {
    const conn = this.conn
    while (conn?.ready && !conn.nc.isClosed() && !this.stopped && this.retryTimer === undefined && this.counters.inFlight < this.maxInFlight && this.queue.size > 0) {
      this.send(conn, this.queue.shift() as Pending)
    }
    this.notifyIfIdle()
  }

  private send(conn: Connection, item: Pending): void {
    this.counters.inFlight++
    let ack: Promise<PubAck>
    try {
      ack = conn.js.publish(item.subject, item.data, { msgID: item.msgID, timeout: this.ackTimeoutMs })
    } catch (err) {
      ack = Promise.reject(err)
    }
    ack.then(
      (a) => this.onAck(a),
      (err) => this.onFailure(item, err),
    )
  }

  private onAck(ack: PubAck): void {
    this.counters.inFlight--
    this.counters.published++
    if (ack.duplicate) this.counters.duplicates++
    if (this.publishFailureRounds > 0) {
      this.log.info('nats: publishing again', { failedRounds: this.publishFailureRounds })
      this.publishFailureRounds = 0
    }
    this.pump()
  }

  private onFailure(item: Pending, err: unknown): void {
    this.counters.inFlight--
    this.counters.failed++
    if (this.stopped) return this.drop(1, 'closed before its acknowledgement')
    if (isPermanentPublishError(err)) {
      this.counters.rejected++
      this.log.warn('nats: event refused, dropped', { subject: item.subject, bytes: item.bytes, error: errorText(err) })
      this.drop(1, 'refused by NATS')
      return this.pump()
    }
    const dropped = this.queue.unshift(item)
    if (dropped > 0) this.drop(dropped, 'buffer full (oldest dropped)')
    if (this.retryTimer === undefined) {
      this.publishFailureRounds++
      const warn = this.clock.now() - this.lastFailureWarnAt >= FAILURE_WARN_INTERVAL_MS
      if (warn) this.lastFailureWarnAt = this.clock.now()
      this.log[warn ? 'warn' : 'debug']('nats: publish failed, will retry', { round: this.publishFailureRounds, error: errorText(err) })
      this.retryTimer = this.clock.setTimeout(() => {
        this.retryTimer = undefined
        this.pump()
      }, backoffDelay(this.publishFailureRounds, this.publishBackoff, this.random))
    }
    this.notifyIfIdle()
  }

  /** Counts drops; logs at the first and then at each power of ten, so a long outage does not flood the log. */
  private drop(n: number, reason: string): void {
    const before = this.counters.dropped
    this.counters.dropped += n
    if (decade(this.counters.dropped) > decade(before)) this.log.warn('nats: events dropped', { dropped: this.counters.dropped, reason })
  }

  // --- closing ---

  private notifyIfIdle(): void {
    if (this.queue.size > 0 || this.counters.inFlight > 0) return
    const waiters = this.idleWaiters
    this.idleWaiters = []
    for (const w of waiters) w()
  }

  /** Resolves when nothing is queued or in flight, or after `ms`. */
  private untilIdleOr(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = this.clock.setTimeout(resolve, Math.max(1, ms))
      this.idleWaiters.push(() => {
        this.clock.clearTimeout(timer)
        resolve()
      })
      this.notifyIfIdle()
    })
  }

  private async shutdown(deadlineMs: number): Promise<void> {
    const until = this.clock.now() + deadlineMs
    // A pending backoff must not use up the little time there is: try once more now.
    this.clearTimers()
    if (!this.conn) void this.connectOnce()
    this.pump()
    await this.untilIdleOr(deadlineMs * 0.8)
    this.stopped = true
    this.clearTimers()
    this.idleWaiters = []
    const left = this.queue.clear()
    if (left > 0) {
      this.log.warn('nats: close deadline reached, buffered events dropped', { count: left, inFlight: this.counters.inFlight })
      this.drop(left, 'still buffered at the close deadline')
    }
    const conn = this.conn
    this.conn = undefined
    if (conn) await this.closeConnection(conn.nc, until - this.clock.now())
    this.log.info('nats: closed', { ...this.stats() })
  }

  /** Drain (flushes what the client holds) within the time left, else a plain close. */
  private async closeConnection(nc: NatsConnection, ms: number): Promise<void> {
    const drained = nc.drain().then(
      () => true,
      () => false,
    )
    let timer: TimerHandle | undefined
    const timedOut = new Promise<boolean>((resolve) => {
      timer = this.clock.setTimeout(() => resolve(false), Math.max(1, ms))
    })
    const ok = await Promise.race([drained, timedOut])
    if (timer) this.clock.clearTimeout(timer)
    if (!ok && !nc.isClosed()) await nc.close().catch(() => undefined)
  }

  private clearTimers(): void {
    if (this.connectTimer) this.clock.clearTimeout(this.connectTimer)
    if (this.retryTimer) this.clock.clearTimeout(this.retryTimer)
    this.connectTimer = undefined
    this.retryTimer = undefined
  }
}
