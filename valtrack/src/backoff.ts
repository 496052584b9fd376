/**
 * When to try a failed peer again: exponential backoff per failure class, with jitter and a cap. Pure: the
 * state is a value the caller keeps per peer; time and randomness are arguments. Unlike the original
 * (base * (time.Second * counter) overflowed int64, retrying at once or never, and a deferred reset undid
 * the backoff right after it was set), the delay is bounded for any failure count and only a success clears it.
 */

/** Why a dial or handshake failed; the sentry's metrics and events use the same names. */
export const failureClasses = [
  'refused',
  'timeout',
  'reset',
  'identity_mismatch',
  'protocol_unsupported',
  'bad_response',
  'oversized',
  'truncated',
  'irrelevant_network',
  'other',
] as const
export type FailureClass = (typeof failureClasses)[number]

export type BackoffPolicy = { baseMs: number; capMs: number }

const minute = 60_000
const hour = 60 * minute

/**
 * Like Armiarma: 2 minutes doubling for most failures; a node that does not answer at all (timeout) or is
 * on another network is likely to stay so, and starts and ends far longer; every class is retried within a day.
 */
export const defaultPolicies: Record<FailureClass, BackoffPolicy> = {
  refused: { baseMs: 2 * minute, capMs: 2 * hour },
  timeout: { baseMs: 15 * minute, capMs: 12 * hour },
  reset: { baseMs: 2 * minute, capMs: 2 * hour },
  identity_mismatch: { baseMs: 30 * minute, capMs: 24 * hour },
  protocol_unsupported: { baseMs: 30 * minute, capMs: 24 * hour },
  bad_response: { baseMs: 5 * minute, capMs: 6 * hour },
  oversized: { baseMs: 5 * minute, capMs: 6 * hour },
  truncated: { baseMs: 2 * minute, capMs: 2 * hour },
  irrelevant_network: { baseMs: 1 * hour, capMs: 24 * hour },
  other: { baseMs: 2 * minute, capMs: 2 * hour },
}

export type PeerBackoff = {
  /** Consecutive failures since the last success. */
  failures: number
  lastClass: FailureClass
  /** Unix ms before which the peer is not dialed. */
  retryAtMs: number
}

/**
 * Pure: the delay after the `failures`-th consecutive failure (1-based): d = min(cap, base * 2^(failures-1)),
 * drawn uniformly from [d/2, d] ("equal jitter": peers failing together do not retry together, and the delay
 * never falls under half the base). The exponent is clamped, so that no count overflows to Infinity or NaN.
 */
export function backoffDelay(failures: number, policy: BackoffPolicy, random: () => number): number {
  const n = Number.isNaN(failures) ? 1 : Math.max(1, Math.floor(failures))
  const d = Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(n - 1, 52))
  const r = Math.min(1, Math.max(0, random()))
  return Math.round(d / 2 + (d / 2) * r)
}

/** Pure: the state after a failure of class `cls` at `nowMs`. */
export function recordFailure(
  previous: PeerBackoff | undefined,
  cls: FailureClass,
  nowMs: number,
  random: () => number,
  policies: Record<FailureClass, BackoffPolicy> = defaultPolicies,
): PeerBackoff {
  const failures = (previous?.failures ?? 0) + 1
  return { failures, lastClass: cls, retryAtMs: nowMs + backoffDelay(failures, policies[cls], random) }
}

/** Pure: whether a peer with this state may be dialed at `nowMs` (one never failed always may). */
export const mayRetry = (state: PeerBackoff | undefined, nowMs: number): boolean => state === undefined || nowMs >= state.retryAtMs
