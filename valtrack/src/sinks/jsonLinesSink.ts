/**
 * The sink without NATS: discovery_events.log and metadata_events.log (the original's names) in a data
 * directory, one JSON object per line, appended and rotated by output/jsonLines.ts. Writes are queued behind
 * each other; `publish` only queues, and beyond `maxPending` queued lines (a disk that stalls) it drops.
 */
import { join } from 'node:path'
import { type Clock, systemClock } from '../clock.js'
import { defaultJsonLinesOptions, type JsonLinesOptions, JsonLinesWriter } from '../output/jsonLines.js'
import { type EventOf, type EventSink, type EventType, type SinkStats } from './sink.js'
import { type Logger, silentLogger } from '../logger.js'

export const jsonLinesFiles: Record<EventType, string> = {
  peer_discovered: 'discovery_events.log',
  metadata_received: 'metadata_events.log',
}

export type JsonLinesSinkOptions = {
  logger?: Logger
  clock?: Clock
  rotation?: JsonLinesOptions
  /** Lines queued for writing at most; default 100,000. */
  maxPending?: number
}

/** Opens (creating, never truncating) both files; rejects if the directory is not writable, so that startup fails. */
export async function openJsonLinesSink(dataDir: string, options: JsonLinesSinkOptions = {}): Promise<JsonLinesSink> {
  const rotation = options.rotation ?? defaultJsonLinesOptions
  const discovered = await JsonLinesWriter.open(join(dataDir, jsonLinesFiles.peer_discovered), rotation)
  const metadata = await JsonLinesWriter.open(join(dataDir, jsonLinesFiles.metadata_received), rotation).catch(async (err) => {
    await discovered.close()
    throw err
  })
  return new JsonLinesSink({ peer_discovered: discovered, metadata_received: metadata }, options)
}

const errorText = (err: unknown): string => (err instanceof Error ? `${err.name}: ${err.message}` : String(err))

export class JsonLinesSink implements EventSink {
  readonly kind = 'jsonl' as const
  private readonly log: Logger
  private readonly clock: Clock
  private readonly maxPending: number
  private counters = { published: 0, failed: 0, dropped: 0, pending: 0 }
  private closed = false
  private closing: Promise<void> | undefined

  constructor(
    private readonly writers: Record<EventType, JsonLinesWriter>,
    options: JsonLinesSinkOptions = {},
  ) {
    this.log = options.logger ?? silentLogger
    this.clock = options.clock ?? systemClock
    this.maxPending = options.maxPending ?? 100_000
  }

  publish<T extends EventType>(type: T, event: EventOf<T>): void {
    if (this.closed) return this.drop('the sink is closed')
    if (this.counters.pending >= this.maxPending) return this.drop('too many lines waiting for the disk')
    let written: Promise<void>
    try {
      written = this.writers[type].write(event) // serialises at once: a bad value throws here
    } catch (err) {
      return this.drop(`not serialisable: ${errorText(err)}`)
    }
    this.counters.pending++
    written.then(
      () => this.settle(true),
      (err) => {
        this.log.error('jsonl: write failed', { file: jsonLinesFiles[type], error: errorText(err) })
        this.settle(false)
      },
    )
  }

  stats(): SinkStats {
    const { published, failed, dropped, pending } = this.counters
    return { published, failed, dropped, buffered: 0, inFlight: pending }
  }

  close(deadlineMs: number): Promise<void> {
    this.closing ??= this.shutdown(deadlineMs)
    return this.closing
  }

  private settle(ok: boolean): void {
    this.counters.pending--
    if (ok) this.counters.published++
    else {
      // A line that could not be written is lost (the writer goes on with the next one).
      this.counters.failed++
      this.counters.dropped++
    }
  }

  private drop(reason: string): void {
    this.counters.dropped++
    if (this.counters.dropped === 1) this.log.warn('jsonl: event dropped', { reason })
  }

  private async shutdown(deadlineMs: number): Promise<void> {
    this.closed = true
    const ok = await this.within(deadlineMs, () => Promise.all([this.writers.peer_discovered.close(), this.writers.metadata_received.close()]))
    if (!ok) this.log.warn('jsonl: files not closed within the deadline', { pending: this.counters.pending })
  }

  /** Runs `f`; resolves true when it finished, false at the deadline (its rejection is logged, not thrown). */
  private within(ms: number, f: () => Promise<unknown>): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = this.clock.setTimeout(() => resolve(false), Math.max(1, ms))
      f().then(
        () => {
          this.clock.clearTimeout(timer)
          resolve(true)
        },
        (err) => {
          this.clock.clearTimeout(timer)
          this.log.error('jsonl: close failed', { error: errorText(err) })
          resolve(true)
        },
      )
    })
  }
}
