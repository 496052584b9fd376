/**
 * The consumer's loop: a durable pull consumer on stream `EVENTS` (stable name, explicit acks; instances with
 * the same name share the work) fetched in batches with an expiry (no busy loop). Each message becomes rows of
 * the parquet part writers (parts.ts): `peer_discovered` → discovery_events; `metadata_received` →
 * metadata_events and validator_metadata_events (with the inference). A message is acknowledged only after every
 * row it produced is in a finalised part on disk; a redelivered message whose rows are already there is
 * acknowledged without writing them again (dedupe by stream sequence). A malformed message is written to
 * `dead_letters.jsonl` (fsynced) and acknowledged. When a flush fails (disk full) nothing is acknowledged, no
 * more is fetched, and the flush is retried with backoff until it succeeds.
 */
import { type FileHandle, open } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { AckPolicy, DeliverPolicy, type JsMsg, jetstream, jetstreamManager } from '@nats-io/jetstream'
import { connect, type NatsConnection } from '@nats-io/transport-node'
import { type BackoffPolicy, backoffDelay } from '../backoff.js'
import { type MetadataReceivedEvent, type PeerDiscoveredEvent, validateEvent } from '../events.js'
import type { Logger } from '../logger.js'
import { defaultStreamSettings, ensureStream, STREAM_NAME, type StreamSettings } from '../sinks/streamConfig.js'
import { PartWriter } from './parts.js'
import { discoveryRow, type FileKind, metadataRow, validatorRow } from './schema.js'

export type ConsumerOptions = {
  servers: string[]
  /** The durable consumer's name (stable: a fresh one per start would orphan durables that keep messages). */
  name: string
  dataDir: string
  /** Names this instance's parts (several instances may share the data dir). */
  instanceId: string
  logger: Logger
  /** Messages per fetch, and how long a fetch waits for them (the client refuses less than 1 s). */
  batchSize?: number
  fetchExpiresMs?: number
  /** A part is finalised at least this often (and the messages in it acknowledged). */
  partMaxAgeMs?: number
  /** Unacknowledged messages at most; a flush is due at half of it. */
  maxAckPending?: number
  /** Redelivery of an unacknowledged message after this; longer than the part age. */
  ackWaitMs?: number
  retry?: BackoffPolicy
  /** The stream to create when it does not exist yet (replicas 3 on a three-server cluster). */
  streamSettings?: StreamSettings
  /** User and password to log in to NATS with (the client's `user` and `pass`); undefined: none. */
  auth?: { user: string; pass: string } | undefined
  /** Each successful flush: its duration and the messages it acknowledged. */
  onFlush?: (ms: number, acked: number) => void
  now?: () => number
  random?: () => number
}

export type ConsumerStats = {
  consumed: number
  acked: number
  redeliveries: number
  duplicates: number
  deadLetters: number
  rowsWritten: Record<FileKind, number>
  flushFailures: number
  lastFlushMs: number
  /** Whether the last flush attempt failed (e.g. disk full): nothing is acknowledged until one succeeds. */
  writeBlocked: boolean
  connected: boolean
}

type Writers = { [K in FileKind]: PartWriter<K> }

const kinds: FileKind[] = ['discovery_events', 'metadata_events', 'validator_metadata_events']

export class Consumer {
  readonly stats: ConsumerStats = {
    consumed: 0,
    acked: 0,
    redeliveries: 0,
    duplicates: 0,
    deadLetters: 0,
    rowsWritten: { discovery_events: 0, metadata_events: 0, validator_metadata_events: 0 },
    flushFailures: 0,
    lastFlushMs: 0,
    writeBlocked: false,
    connected: false,
  }
  private pending: JsMsg[] = []
  private deadLetterWrites = 0
  private running = true
  private readonly stopping = new AbortController()
  private nc: NatsConnection | undefined
  private readonly loop: Promise<void>
  private readonly opts: Required<Omit<ConsumerOptions, 'auth'>> & Pick<ConsumerOptions, 'auth'>

  private constructor(
    opts: ConsumerOptions,
    private readonly writers: Writers,
    private readonly deadLetters: FileHandle,
  ) {
    this.opts = {
      batchSize: 500,
      fetchExpiresMs: 2_000,
      partMaxAgeMs: 10_000,
      maxAckPending: 20_000,
      ackWaitMs: 60_000,
      retry: { baseMs: 500, capMs: 30_000 },
      now: Date.now,
      random: Math.random,
      onFlush: () => {},
      streamSettings: defaultStreamSettings,
      ...opts,
    }
    this.loop = this.run()
  }

  static async start(opts: ConsumerOptions): Promise<Consumer> {
    const part = { dataDir: opts.dataDir, instanceId: opts.instanceId, maxAgeMs: opts.partMaxAgeMs ?? 10_000, ...(opts.now && { now: opts.now }) }
    const writers: Writers = {
      discovery_events: await PartWriter.open({ ...part, file: 'discovery_events' }),
      metadata_events: await PartWriter.open({ ...part, file: 'metadata_events' }),
      validator_metadata_events: await PartWriter.open({ ...part, file: 'validator_metadata_events' }),
    }
    const deadLetters = await open(join(opts.dataDir, 'dead_letters.jsonl'), 'a')
    return new Consumer(opts, writers, deadLetters)
  }

  /** Messages consumed and not yet acknowledged (their rows are buffered, not yet durable). */
  get unacked(): number {
    return this.pending.length
  }

  /** Stops fetching, flushes and acknowledges what was consumed (unless the disk refuses), and disconnects. */
  async stop(): Promise<void> {
    this.running = false
    this.stopping.abort()
    await this.loop
    if (this.pending.length > 0) await this.flushAndAck().catch(() => undefined)
    await this.nc?.drain().catch(() => undefined)
    await this.deadLetters.close()
  }

  /** Consumer lag as the server sees it: messages not yet delivered, and delivered but unacknowledged. */
  async lag(): Promise<{ pending: number; ackPending: number } | undefined> {
    if (!this.nc || this.nc.isClosed()) return undefined
    const info = await (await jetstreamManager(this.nc)).consumers.info(STREAM_NAME, this.opts.name).catch(() => undefined)
    return info && { pending: info.num_pending, ackPending: info.num_ack_pending }
  }

  private async run(): Promise<void> {
    let failures = 0
    while (this.running) {
      try {
        await this.session()
        failures = 0
      } catch (err) {
        this.stats.connected = false
        if (!this.running) return
        failures++
        const delay = backoffDelay(failures, this.opts.retry, this.opts.random)
        this.opts.logger.warn('consumer: NATS session ended; retrying', { error: err, retry_in_ms: delay })
        await this.sleep(delay)
      }
    }
  }

  /** Waits `ms`, or less when the consumer stops. */
  private sleep(ms: number): Promise<void> {
    return delay(ms, undefined, { signal: this.stopping.signal }).catch(() => undefined)
  }

  /** One connection: ensure the stream and the durable, then fetch, write and acknowledge until stopped. */
  private async session(): Promise<void> {
    const nc = await connect({ servers: this.opts.servers, name: `valtrack-consumer-${this.opts.instanceId}`, maxReconnectAttempts: -1, reconnectTimeWait: 1000, ...this.opts.auth })
    this.nc = nc
    try {
      const jsm = await jetstreamManager(nc)
      await ensureStream(jsm, this.opts.streamSettings, this.opts.logger)
      await this.ensureDurable(jsm)
      this.stats.connected = true
      void this.followStatus(nc)
      const consumer = await jetstream(nc).consumers.get(STREAM_NAME, this.opts.name)
      while (this.running) {
        if (this.flushDue()) await this.flushUntilDurable()
        if (!this.running) break
        const room = Math.min(this.opts.batchSize, this.opts.maxAckPending - this.pending.length)
        const batch = await consumer.fetch({ max_messages: Math.max(1, room), expires: Math.max(1000, this.opts.fetchExpiresMs) })
        for await (const m of batch) await this.handle(m)
      }
    } finally {
      if (this.running) await nc.close().catch(() => undefined)
    }
  }

  /** The client reconnects by itself; `connected` (and /healthz) follows it meanwhile. */
  private async followStatus(nc: NatsConnection): Promise<void> {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect') this.stats.connected = false
      else if (s.type === 'reconnect') this.stats.connected = true
    }
  }

  private async ensureDurable(jsm: Awaited<ReturnType<typeof jetstreamManager>>): Promise<void> {
    const config = {
      durable_name: this.opts.name,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: this.opts.ackWaitMs * 1_000_000,
      max_ack_pending: this.opts.maxAckPending,
    }
    const existing = await jsm.consumers.info(STREAM_NAME, this.opts.name).catch(() => undefined)
    if (!existing) await jsm.consumers.add(STREAM_NAME, config)
    else if (existing.config.ack_wait !== config.ack_wait || existing.config.max_ack_pending !== config.max_ack_pending)
      await jsm.consumers.update(STREAM_NAME, this.opts.name, { ack_wait: config.ack_wait, max_ack_pending: config.max_ack_pending })
  }

  private flushDue(): boolean {
    if (this.pending.length === 0) return false
    if (this.pending.length >= this.opts.maxAckPending / 2) return true
    return kinds.some((k) => this.writers[k].rotationDue() !== null) || this.deadLetterWrites > 0
  }

  /** Retries the flush until it succeeds (or the consumer stops): nothing is fetched or acknowledged meanwhile. */
  private async flushUntilDurable(): Promise<void> {
    for (let attempt = 1; this.running || attempt === 1; attempt++) {
      try {
        await this.flushAndAck()
        this.stats.writeBlocked = false
        return
      } catch (err) {
        this.stats.flushFailures++
        this.stats.writeBlocked = true
        const delay = backoffDelay(attempt, this.opts.retry, this.opts.random)
        this.opts.logger.error('consumer: writing parts failed; acknowledging nothing until it succeeds', { error: err, retry_in_ms: delay })
        if (!this.running) return
        await this.sleep(delay)
      }
    }
  }

  private async flushAndAck(): Promise<void> {
    const started = this.opts.now()
    const before = this.pending
    for (const k of kinds) {
      const parts = await this.writers[k].flush()
      for (const p of parts) this.stats.rowsWritten[k] += p.rows
    }
    if (this.deadLetterWrites > 0) {
      await this.deadLetters.sync()
      this.deadLetterWrites = 0
    }
    for (const m of before) m.ack()
    this.stats.acked += before.length
    this.pending = this.pending.slice(before.length)
    await this.nc?.flush().catch(() => undefined)
    this.stats.lastFlushMs = this.opts.now() - started
    this.opts.onFlush(this.stats.lastFlushMs, before.length)
  }

  private async handle(m: JsMsg): Promise<void> {
    this.stats.consumed++
    if (m.info.redelivered) this.stats.redeliveries++
    const type = m.subject === 'events.peer_discovered' ? 'peer_discovered' : m.subject === 'events.metadata_received' ? 'metadata_received' : null
    let event: unknown
    try {
      event = JSON.parse(m.string())
    } catch (e) {
      return this.deadLetter(m, `not JSON: ${(e as Error).message}`)
    }
    if (type === null) return this.deadLetter(m, `unexpected subject ${m.subject}`)
    const problems = validateEvent(type, event)
    if (problems.length > 0) return this.deadLetter(m, problems.slice(0, 5).join('; '))
    const now = this.opts.now()
    const results =
      type === 'peer_discovered'
        ? [this.writers.discovery_events.append(discoveryRow(event as PeerDiscoveredEvent, m.seq, now))]
        : [
            this.writers.metadata_events.append(metadataRow(event as MetadataReceivedEvent, m.seq, now)),
            this.writers.validator_metadata_events.append(validatorRow(event as MetadataReceivedEvent, m.seq, now)),
          ]
    if (results.every((r) => r === 'duplicate')) this.stats.duplicates++
    this.pending.push(m)
  }

  /** Kept aside with why, then acknowledged with the next flush (after the file is fsynced). */
  private async deadLetter(m: JsMsg, reason: string): Promise<void> {
    this.stats.deadLetters++
    const line = { stream_seq: m.seq, subject: m.subject, reason, received_at: this.opts.now(), data: m.string() }
    await this.deadLetters.write(`${JSON.stringify(line)}\n`)
    this.deadLetterWrites++
    this.pending.push(m)
  }
}
