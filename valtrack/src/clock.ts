/**
 * Time as the sentry's schedules see it, injected so that tests run months of fork schedule or hours of
 * backoff in simulated time (testing/manualClock.ts), deterministically on a loaded machine.
 */
/** Opaque: only the clock that made it can clear it. */
export type TimerHandle = { readonly __brand: 'TimerHandle' }

export type Clock = {
  /** Unix ms. */
  now(): number
  setTimeout(fn: () => void, ms: number): TimerHandle
  clearTimeout(handle: TimerHandle): void
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms) as unknown as TimerHandle,
  clearTimeout: (handle) => clearTimeout(handle as unknown as NodeJS.Timeout),
}
