/**
 * Time as the loops and the snapshot schedule see it. Injected (rather than calling Date.now/setTimeout
 * directly) so that tests can run hours of backoff or snapshot periods in simulated time, deterministically
 * on a loaded machine (testing/manualClock).
 */
/** Opaque: only the clock that made it can clear it. */
export type TimerHandle = { readonly __brand: 'TimerHandle' }

export type Clock = {
  /** ms since the epoch. */
  now(): number
  setTimeout(fn: () => void, ms: number): TimerHandle
  clearTimeout(handle: TimerHandle): void
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms) as unknown as TimerHandle,
  clearTimeout: (handle) => clearTimeout(handle as unknown as NodeJS.Timeout),
}
