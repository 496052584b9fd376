export type BackoffOptions = {
  /** Delay for the first retry, in ms. */
  baseMs: number
  /** Upper bound for any delay, in ms. */
  capMs: number
}

/**
 * Exponential backoff with "equal jitter": the delay for retry `attempt`
 * (1-based) is uniformly drawn from [d/2, d] where d = min(cap, base * 2^(attempt-1)).
 * Never returns less than half the base, so a failing endpoint can't cause a busy loop.
 * `random` is injectable to keep the function pure in tests.
 */
export function backoffDelay(attempt: number, { baseMs, capMs }: BackoffOptions, random: () => number = Math.random): number {
  const n = Math.max(1, Math.floor(attempt))
  const exp = Math.min(capMs, baseMs * 2 ** Math.min(n - 1, 30))
  const r = Math.min(1, Math.max(0, random()))
  return Math.round(exp / 2 + (exp / 2) * r)
}

/** Backoff parameters derived from the poll interval: base min(1 s, interval), cap max(interval, min(60 s, 8 x interval)). */
export function backoffForInterval(intervalMs: number): BackoffOptions {
  return {
    baseMs: Math.min(1000, intervalMs),
    capMs: Math.max(intervalMs, Math.min(60_000, intervalMs * 8)),
  }
}
