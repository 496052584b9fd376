/** A Clock for tests: time moves only when the test calls advance(), so no assertion depends on the machine's speed. */
import type { Clock, TimerHandle } from '../clock'

type Timer = { at: number; seq: number; fn: () => void }

/** Lets pending promise callbacks (an async cycle's awaits) run before the next timer fires. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve))

export class ManualClock implements Clock {
  private readonly timers = new Map<number, Timer>()
  private seq = 0

  constructor(private time = Date.parse('2026-01-01T00:00:00Z')) {}

  now(): number {
    return this.time
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const seq = ++this.seq
    this.timers.set(seq, { at: this.time + Math.max(0, ms), seq, fn })
    return seq as unknown as TimerHandle
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers.delete(handle as unknown as number)
  }

  /** Resolves after `ms` of simulated time. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.setTimeout(resolve, ms))
  }

  /** Timers not yet fired. */
  get pending(): number {
    return this.timers.size
  }

  /**
   * Moves time forward by `ms`, firing every timer that falls due on the way at its own time, in order (ties
   * in the order they were set), and letting promise callbacks settle after each, so that timers set by a
   * fired callback also fire if they are due before the end.
   */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms
    await settle()
    for (;;) {
      let next: Timer | undefined
      for (const t of this.timers.values()) if (t.at <= end && (!next || t.at < next.at || (t.at === next.at && t.seq < next.seq))) next = t
      if (!next) break
      this.timers.delete(next.seq)
      this.time = next.at
      next.fn()
      await settle()
    }
    this.time = end
  }
}
