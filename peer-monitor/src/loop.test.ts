/** PollLoop in simulated time (ManualClock): exact run counts and times, whatever the machine's load. */
import { backoffForInterval } from './backoff'
import { PollLoop, type LoopOptions } from './loop'
import { ManualClock } from './testing/manualClock'

/** Deterministic PRNG (mulberry32), so that "random" jitter runs are reproducible. */
function seeded(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function loopWith(clock: ManualClock, cycle: () => Promise<void>, options: Omit<LoopOptions, 'clock'>) {
  const loop = new PollLoop(cycle, { ...options, clock })
  loop.start()
  return loop
}

describe('PollLoop', () => {
  let clock: ManualClock
  beforeEach(() => (clock = new ManualClock()))

  it('runs at once, then every interval while healthy', async () => {
    const at: number[] = []
    const t0 = clock.now()
    const loop = loopWith(clock, async () => void at.push(clock.now() - t0), { intervalMs: 20, backoff: { baseMs: 20, capMs: 100 } })
    await clock.advance(110)
    loop.stop()
    expect(at).toEqual([0, 20, 40, 60, 80, 100])
    await clock.advance(1000)
    expect(at).toHaveLength(6)
    expect(clock.pending).toBe(0)
  })

  it('backs off exponentially on failure, ignores triggers meanwhile, and returns to the interval on success', async () => {
    const delays: number[] = []
    const at: number[] = []
    const t0 = clock.now()
    let fail = true
    const loop = loopWith(clock, async () => {
      at.push(clock.now() - t0)
      if (fail) throw new Error('down')
    }, { intervalMs: 10, backoff: { baseMs: 10, capMs: 80 }, random: () => 1, onFailure: (_e, _a, d) => delays.push(d) })
    await clock.advance(200)
    expect(delays).toEqual([10, 20, 40, 80, 80])
    expect(at).toEqual([0, 10, 30, 70, 150])
    expect(loop.consecutiveFailures).toBe(5)
    // Triggers are ignored while backing off: the next attempt stays at 150 + 80.
    loop.trigger(0)
    loop.trigger(0)
    await clock.advance(29)
    expect(at).toHaveLength(5)
    fail = false
    await clock.advance(21)
    expect(at.slice(5)).toEqual([230, 240, 250])
    expect(loop.consecutiveFailures).toBe(0)
    loop.stop()
  })

  it('trigger pulls the next run forward and coalesces while running', async () => {
    const at: number[] = []
    const t0 = clock.now()
    const loop = loopWith(clock, async () => {
      at.push(clock.now() - t0)
      await clock.sleep(20)
    }, { intervalMs: 10_000, backoff: { baseMs: 10, capMs: 10 } })
    await clock.advance(5)
    expect(at).toEqual([0])
    // Two triggers while the first run is in flight: one rerun, right after it.
    loop.trigger(0)
    loop.trigger(0)
    await clock.advance(60)
    expect(at).toEqual([0, 20])
    // Idle: a trigger with a delay schedules a run then; a later trigger does not push it back.
    loop.trigger(30)
    loop.trigger(500)
    await clock.advance(100)
    expect(at).toEqual([0, 20, 95])
    loop.stop()
  })

  /**
   * Issue 10: after an outage of any length the monitor reports again within 30 s of the endpoint's return.
   * The layer is down for an hour — refusing at once, or hanging until the 5 s request timeout — then answers
   * again, taking up to that timeout. Whatever the jitter and the moment of return, the first successful
   * cycle ends within 30 s.
   */
  describe('recovery after a long outage', () => {
    const timeoutMs = 5000
    const outageMs = 3_600_000
    const randoms: [string, () => () => number][] = [
      ['jitter 0', () => () => 0],
      ['jitter 1 (longest waits)', () => () => 1],
      ...[1, 2, 3, 4, 5].map((seed): [string, () => () => number] => [`seeded jitter ${seed}`, () => seeded(seed)]),
    ]
    const cases = [15_000, 60_000, 86_400_000].flatMap((intervalMs) =>
      (['refused', 'hanging'] as const).flatMap((outage) => randoms.map(([name, random]) => ({ intervalMs, outage, name, random }))),
    )

    it.each(cases)('interval $intervalMs ms, $outage, $name', async ({ intervalMs, outage, random }) => {
      // Returns at 1 h plus an offset in 0..30 s (every 2.5 s), so it falls anywhere within a backoff wait.
      const worst: number[] = []
      for (let offset = 0; offset <= 30_000; offset += 2500) {
        const c = new ManualClock()
        const back = c.now() + outageMs + offset
        let reportedAt: number | null = null
        const loop = new PollLoop(async () => {
          const started = c.now()
          if (started < back) {
            if (outage === 'hanging') await c.sleep(timeoutMs)
            throw new Error('down')
          }
          await c.sleep(timeoutMs) // a slow but successful answer
          reportedAt ??= c.now()
        }, { intervalMs, backoff: backoffForInterval(intervalMs), clock: c, random: random() })
        loop.start()
        await c.advance(outageMs + offset + 60_000)
        loop.stop()
        expect(reportedAt).not.toBeNull()
        worst.push(reportedAt! - back)
      }
      expect(Math.max(...worst)).toBeLessThanOrEqual(30_000)
    })
  })
})
