/**
 * When backed-off nodes are due again: one timer for the earliest, however many nodes wait (a timer per
 * failed node would mean tens of thousands of timers on mainnet). A node scheduled again replaces its old
 * entry. Time comes from the injected clock.
 */
import type { Clock, TimerHandle } from '../clock.js'

/** node's setTimeout fires at once for delays over 2^31 - 1 ms: longer waits are re-armed in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1

export class RetrySchedule<T> {
  private readonly due = new Map<string, { atMs: number; item: T }>()
  private timer: TimerHandle | undefined
  private timerAtMs = Infinity

  constructor(
    private readonly clock: Clock,
    private readonly onDue: (key: string, item: T) => void,
  ) {}

  get size(): number {
    return this.due.size
  }

  has(key: string): boolean {
    return this.due.has(key)
  }

  schedule(key: string, atMs: number, item: T): void {
    this.due.set(key, { atMs, item })
    if (atMs < this.timerAtMs) this.arm()
  }

  stop(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer)
    this.timer = undefined
    this.timerAtMs = Infinity
    this.due.clear()
  }

  private arm(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer)
    this.timer = undefined
    this.timerAtMs = Infinity
    let next = Infinity
    for (const { atMs } of this.due.values()) next = Math.min(next, atMs)
    if (!Number.isFinite(next)) return
    this.timerAtMs = next
    this.timer = this.clock.setTimeout(() => this.fire(), Math.min(MAX_TIMER_MS, Math.max(0, next - this.clock.now())))
  }

  private fire(): void {
    this.timer = undefined
    this.timerAtMs = Infinity
    const now = this.clock.now()
    for (const [key, { atMs, item }] of [...this.due]) {
      if (atMs > now) continue
      this.due.delete(key)
      this.onDue(key, item)
    }
    this.arm()
  }
}
