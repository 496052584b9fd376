import { backoffDelay, type BackoffOptions } from './backoff'
import { systemClock, type Clock, type TimerHandle } from './clock'

export type LoopOptions = {
  intervalMs: number
  backoff: BackoffOptions
  clock?: Clock
  /** Called after each failed cycle with the delay before the next attempt. */
  onFailure?: (error: unknown, attempt: number, retryInMs: number) => void
  random?: () => number
}

/**
 * Runs `cycle` every interval; after a failure waits an exponentially growing,
 * jittered delay instead. Never runs two cycles at once and never spins:
 * `trigger()` can pull the next run forward only while healthy.
 */
export class PollLoop {
  private timer: TimerHandle | null = null
  private nextAt = 0
  private running = false
  private rerun = false
  private stopped = true
  private failures = 0

  private readonly clock: Clock

  constructor(private readonly cycle: () => Promise<void>, private readonly options: LoopOptions) {
    this.clock = options.clock ?? systemClock
  }

  get consecutiveFailures() {
    return this.failures
  }

  start() {
    this.stopped = false
    this.schedule(0)
  }

  /** Requests a run within `delayMs` (ignored while backing off after failures). */
  trigger(delayMs = 0) {
    if (this.stopped || this.failures > 0) return
    if (this.running) {
      this.rerun = true
      return
    }
    if (this.timer && this.nextAt <= this.clock.now() + delayMs) return
    this.schedule(delayMs)
  }

  stop() {
    this.stopped = true
    if (this.timer) this.clock.clearTimeout(this.timer)
    this.timer = null
  }

  private schedule(ms: number) {
    if (this.timer) this.clock.clearTimeout(this.timer)
    this.nextAt = this.clock.now() + ms
    this.timer = this.clock.setTimeout(() => {
      this.timer = null
      void this.tick()
    }, ms)
  }

  private async tick() {
    if (this.stopped || this.running) return
    this.running = true
    let next = this.options.intervalMs
    try {
      await this.cycle()
      this.failures = 0
    } catch (error) {
      this.failures++
      next = backoffDelay(this.failures, this.options.backoff, this.options.random)
      this.options.onFailure?.(error, this.failures, next)
    } finally {
      this.running = false
    }
    if (this.stopped) return
    if (this.rerun && this.failures === 0) {
      this.rerun = false
      this.schedule(0)
    } else {
      this.rerun = false
      this.schedule(next)
    }
  }
}
