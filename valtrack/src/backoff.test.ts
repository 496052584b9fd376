import { backoffDelay, defaultPolicies, failureClasses, mayRetry, type PeerBackoff, recordFailure } from './backoff.js'

const policy = { baseMs: 1000, capMs: 60_000 }
const low = () => 0
const high = () => 1

describe('backoffDelay', () => {
  test('doubles from the base: between half and all of base * 2^(n-1)', () => {
    expect([1, 2, 3, 4].map((n) => backoffDelay(n, policy, high))).toEqual([1000, 2000, 4000, 8000])
    expect([1, 2, 3, 4].map((n) => backoffDelay(n, policy, low))).toEqual([500, 1000, 2000, 4000])
    expect(backoffDelay(3, policy, () => 0.5)).toBe(3000)
  })

  test('capped, and still capped (never 0, Infinity or NaN) after thousands of failures', () => {
    for (const n of [7, 60, 1000, 5000, 1e9, Number.MAX_SAFE_INTEGER, Infinity]) {
      expect(backoffDelay(n, policy, high)).toBe(60_000)
      expect(backoffDelay(n, policy, low)).toBe(30_000)
    }
  })

  test('a random source out of [0, 1] cannot push the delay out of range', () => {
    expect(backoffDelay(1, policy, () => 5)).toBe(1000)
    expect(backoffDelay(1, policy, () => -5)).toBe(500)
  })

  test('nonsense counts count as the first failure', () => {
    expect(backoffDelay(0, policy, high)).toBe(1000)
    expect(backoffDelay(-3, policy, high)).toBe(1000)
    expect(backoffDelay(NaN, policy, high)).toBe(1000)
  })
})

describe('per-peer state', () => {
  test('each failure counts and pushes the retry time; the state is not reset by recording it', () => {
    let s: PeerBackoff | undefined
    s = recordFailure(s, 'refused', 0, high)
    expect(s).toEqual({ failures: 1, lastClass: 'refused', retryAtMs: 2 * 60_000 })
    s = recordFailure(s, 'refused', 200_000, high)
    expect(s).toEqual({ failures: 2, lastClass: 'refused', retryAtMs: 200_000 + 4 * 60_000 })
  })

  test('the class of the latest failure chooses the policy: a timeout backs off far longer than a refusal', () => {
    const refused = recordFailure(undefined, 'refused', 0, high)
    const timedOut = recordFailure(undefined, 'timeout', 0, high)
    expect(timedOut.retryAtMs).toBeGreaterThan(refused.retryAtMs * 5)
  })

  test('retried later, not never: after 10,000 failures the peer is due again within its cap', () => {
    let s: PeerBackoff | undefined
    let now = 0
    for (let i = 0; i < 10_000; i++) {
      s = recordFailure(s, 'timeout', now, Math.random)
      now = s.retryAtMs
    }
    expect(s!.failures).toBe(10_000)
    const last = recordFailure(s, 'timeout', now, high)
    expect(last.retryAtMs - now).toBe(defaultPolicies.timeout.capMs)
    expect(mayRetry(last, last.retryAtMs - 1)).toBe(false)
    expect(mayRetry(last, last.retryAtMs)).toBe(true)
  })

  test('a peer that never failed may be dialed', () => {
    expect(mayRetry(undefined, 0)).toBe(true)
  })

  test('every class has a policy with base <= cap and a cap of at most a day', () => {
    for (const c of failureClasses) {
      expect(defaultPolicies[c].baseMs).toBeGreaterThan(0)
      expect(defaultPolicies[c].baseMs).toBeLessThanOrEqual(defaultPolicies[c].capMs)
      expect(defaultPolicies[c].capMs).toBeLessThanOrEqual(24 * 3_600_000)
    }
  })
})
