import type { Clock, TimerHandle } from '../clock.js'

/**
 * A clock for handshakes: `now()` gives the listed times in turn (then the last one again), so that a latency
 * is exact; timers fire only once the test calls `open()` (the gossip window ends when the test has seen
 * what it waits for, not after some time a loaded machine may need more of), or after `safetyMs` of real
 * time so that a missing event fails the test instead of hanging it.
 */
export class GatedClock implements Clock {
  private readonly times: number[]
  private release: () => void = () => undefined
  private readonly gate: Promise<void>
  private readonly safety: NodeJS.Timeout

  constructor(times: number[], opened = false, safetyMs = 10_000) {
    this.times = [...times]
    this.gate = new Promise<void>((resolve) => (this.release = resolve))
    this.safety = setTimeout(() => this.open(), safetyMs)
    this.safety.unref()
    if (opened) this.open()
  }

  now(): number {
    return this.times.length > 1 ? this.times.shift()! : this.times[0]!
  }

  setTimeout(fn: () => void, _ms: number): TimerHandle {
    const handle = { cancelled: false }
    void this.gate.then(() => {
      if (!handle.cancelled) fn()
    })
    return handle as unknown as TimerHandle
  }

  clearTimeout(handle: TimerHandle): void {
    ;(handle as unknown as { cancelled: boolean }).cancelled = true
  }

  open(): void {
    clearTimeout(this.safety)
    this.release()
  }
}
