import type { Clock, TimerHandle } from '../clock.js'

/**
 * A clock that moves only when told: `advance(ms)` fires, in time order, every timer due by then. Like node's
 * setTimeout it refuses delays over 2^31 - 1 ms the same way node does (it fires them after 1 ms), so that
 * code relying on long timers fails here as it would in production.
 */
export class ManualClock implements Clock {
  private timers: { at: number; fn: () => void; id: number }[] = []
  private nextId = 0

  constructor(private time: number) {}

  now(): number {
    return this.time
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const delay = ms > 2 ** 31 - 1 || !(ms >= 1) ? 1 : ms
    const id = this.nextId++
    this.timers.push({ at: this.time + delay, fn, id })
    return id as unknown as TimerHandle
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers = this.timers.filter((t) => t.id !== (handle as unknown as number))
  }

  get pendingTimers(): number {
    return this.timers.length
  }

  /** Throws after 100,000 timers in one advance: a timer re-armed in a loop would otherwise hang the test. */
  advance(ms: number): void {
    const until = this.time + ms
    for (let fired = 0; ; fired++) {
      if (fired > 100_000) throw new Error('ManualClock: more than 100,000 timers fired in one advance (a runaway timer loop?)')
      const due = this.timers.filter((t) => t.at <= until).sort((a, b) => a.at - b.at || a.id - b.id)[0]
      if (!due) break
      this.timers = this.timers.filter((t) => t !== due)
      this.time = due.at
      due.fn()
    }
    this.time = until
  }
}
