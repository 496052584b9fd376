/**
 * The dial side of the sentry: `concurrency` workers take nodes from the DialQueue and run the handshake on
 * each, under an overall deadline and the stop signal. A failure is classified, backs the node off by its
 * class (with jitter and a cap; only a success clears it) and schedules it to be queued again when the
 * backoff ends, so that a failed node is retried later rather than forgotten. A node handed over again while
 * backed off (the crawler revisits it) is not dialed early: it is counted as deferred and dialed when due.
 */
import { type BackoffPolicy, type FailureClass, mayRetry, type PeerBackoff, recordFailure, defaultPolicies } from '../backoff.js'
import type { Clock } from '../clock.js'
import type { DialQueue } from '../discovery/dialQueue.js'
import type { NodeRecord } from '../discovery/enr.js'
import { classifyFailure } from '../failures.js'
import { RetrySchedule } from './retrySchedule.js'

export type DialerOptions<O> = {
  queue: DialQueue<NodeRecord>
  concurrency: number
  clock: Clock
  random: () => number
  /** Dial and handshake one node; must give up when `signal` aborts. */
  handshake: (record: NodeRecord, signal: AbortSignal) => Promise<O>
  /** The most one attempt may take, all steps together (the handshake's own per-step timeouts apply within). */
  attemptDeadlineMs: number
  policies?: Record<FailureClass, BackoffPolicy>
  onSuccess: (record: NodeRecord, outcome: O) => void
  onFailure: (record: NodeRecord, cls: FailureClass, error: unknown, backoff: PeerBackoff) => void
  onDeferred?: (record: NodeRecord) => void
}

export class Dialer<O> {
  private readonly backoffs = new Map<string, PeerBackoff>()
  private readonly retries: RetrySchedule<NodeRecord>
  private readonly stopController = new AbortController()
  private readonly workers: Promise<void>[] = []
  private running = 0

  constructor(private readonly opts: DialerOptions<O>) {
    this.retries = new RetrySchedule(opts.clock, (key, record) => {
      // offer() waits while the queue is full; the stop signal ends that wait with the process.
      void opts.queue.offer(key, record)
    })
  }

  /** Attempts running now. */
  get inFlight(): number {
    return this.running
  }

  /** Nodes waiting for their backoff to end. */
  get backedOff(): number {
    return this.retries.size
  }

  backoffOf(nodeId: string): PeerBackoff | undefined {
    return this.backoffs.get(nodeId)
  }

  start(): void {
    for (let i = 0; i < this.opts.concurrency; i++) this.workers.push(this.work())
  }

  /** Aborts the attempts in flight and waits for the workers to return. */
  async stop(): Promise<void> {
    this.stopController.abort(new Error('the sentry is stopping'))
    this.retries.stop()
    await Promise.all(this.workers)
  }

  private async work(): Promise<void> {
    const stopped = new Promise<null>((resolve) => this.stopController.signal.addEventListener('abort', () => resolve(null), { once: true }))
    for (;;) {
      const next = await Promise.race([this.opts.queue.take(), stopped])
      if (next === null) return
      await this.attempt(next.item)
      if (this.stopController.signal.aborted) return
    }
  }

  private async attempt(record: NodeRecord): Promise<void> {
    const backoff = this.backoffs.get(record.nodeId)
    if (!mayRetry(backoff, this.opts.clock.now())) {
      // Its retry is scheduled (with this newer record): dialing now would undo the backoff.
      this.retries.schedule(record.nodeId, backoff!.retryAtMs, record)
      this.opts.onDeferred?.(record)
      return
    }
    const attempt = new AbortController()
    const timer = this.opts.clock.setTimeout(() => attempt.abort(new DeadlineError(this.opts.attemptDeadlineMs)), this.opts.attemptDeadlineMs)
    const signal = AbortSignal.any([attempt.signal, this.stopController.signal])
    this.running++
    try {
      const outcome = await this.opts.handshake(record, signal)
      this.backoffs.delete(record.nodeId)
      this.opts.onSuccess(record, outcome)
    } catch (error) {
      if (this.stopController.signal.aborted) return
      const cls = classifyFailure(signal.aborted ? (signal.reason ?? error) : error)
      const next = recordFailure(backoff, cls, this.opts.clock.now(), this.opts.random, this.opts.policies ?? defaultPolicies)
      this.backoffs.set(record.nodeId, next)
      this.retries.schedule(record.nodeId, next.retryAtMs, record)
      this.opts.onFailure(record, cls, error, next)
    } finally {
      this.running--
      this.opts.clock.clearTimeout(timer)
    }
  }
}

/** The attempt's overall deadline passed: a timeout, as far as classification goes. */
export class DeadlineError extends Error {
  override readonly name = 'TimeoutError'
  constructor(ms: number) {
    super(`dial and handshake took longer than ${ms} ms`)
  }
}
