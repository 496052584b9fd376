import { backoffDelay, backoffForInterval, maxRetryDelayMs } from './backoff'

describe('backoffDelay', () => {
  const opts = { baseMs: 1000, capMs: 30_000 }
  it('doubles per attempt at the upper jitter bound', () => {
    expect([1, 2, 3, 4, 5].map((a) => backoffDelay(a, opts, () => 1))).toEqual([1000, 2000, 4000, 8000, 16000])
  })
  it('never goes below half the exponential delay', () => {
    expect([1, 2, 3].map((a) => backoffDelay(a, opts, () => 0))).toEqual([500, 1000, 2000])
  })
  it('is capped', () => {
    expect(backoffDelay(10, opts, () => 1)).toBe(30_000)
    expect(backoffDelay(1e9, opts, () => 1)).toBe(30_000)
    expect(backoffDelay(10, opts, () => 0)).toBe(15_000)
  })
  it('jitter spreads values within [d/2, d]', () => {
    const values = Array.from({ length: 200 }, () => backoffDelay(3, opts))
    expect(Math.min(...values)).toBeGreaterThanOrEqual(2000)
    expect(Math.max(...values)).toBeLessThanOrEqual(4000)
    expect(new Set(values).size).toBeGreaterThan(10)
  })
  it('treats attempt < 1 as the first attempt and clamps random()', () => {
    expect(backoffDelay(0, opts, () => 1)).toBe(1000)
    expect(backoffDelay(1, opts, () => 5)).toBe(1000)
    expect(backoffDelay(1, opts, () => -1)).toBe(500)
  })
})

describe('backoffForInterval', () => {
  it('default interval: capped at 20 s', () => expect(backoffForInterval(15_000)).toEqual({ baseMs: 1000, capMs: 20_000 }))
  it('short test intervals', () => expect(backoffForInterval(200)).toEqual({ baseMs: 200, capMs: 1600 }))
  it('long intervals: still at most 20 s between retries', () => {
    expect(backoffForInterval(120_000)).toEqual({ baseMs: 1000, capMs: maxRetryDelayMs })
    expect(backoffForInterval(86_400_000)).toEqual({ baseMs: 1000, capMs: maxRetryDelayMs })
  })
  it.each([50, 200, 1000, 15_000, 60_000, 86_400_000])('interval %p ms: no retry delay, jitter included, exceeds 20 s', (intervalMs) => {
    const options = backoffForInterval(intervalMs)
    for (const attempt of [1, 5, 30, 1e6]) for (const r of [0, 0.5, 1]) expect(backoffDelay(attempt, options, () => r)).toBeLessThanOrEqual(20_000)
  })
})
