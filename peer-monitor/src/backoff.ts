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

/**
 * The longest wait between two attempts on a failing endpoint, whatever the interval, so that the monitor
 * reports again within 30 s of the endpoint's return after an outage of any length: with the default 5 s
 * --timeout, an attempt in flight when the endpoint comes back may still fail (time out) up to 5 s later, the
 * next one starts at most 20 s after that and gets its answer within 5 s: 5 + 20 + 5 = 30 s.
 */
export const maxRetryDelayMs = 20_000

/**
 * Backoff parameters derived from the poll interval: base min(1 s, interval), cap min(20 s, 8 x interval).
 * With an interval longer than 20 s a failing layer is retried more often than a healthy one is polled, so
 * that its return is noticed.
 */
export function backoffForInterval(intervalMs: number): BackoffOptions {
  return {
    baseMs: Math.min(1000, intervalMs),
    capMs: Math.min(maxRetryDelayMs, intervalMs * 8),
  }
}
