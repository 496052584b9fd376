import { PollLoop } from './loop'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('PollLoop', () => {
  it('runs every interval while healthy', async () => {
    let runs = 0
    const loop = new PollLoop(async () => { runs++ }, { intervalMs: 20, backoff: { baseMs: 20, capMs: 100 } })
    loop.start()
    await sleep(110)
    loop.stop()
    expect(runs).toBeGreaterThanOrEqual(4)
    expect(runs).toBeLessThanOrEqual(7)
  })
  it('backs off exponentially on failure, never busy-loops, and recovers', async () => {
    const delays: number[] = []
    let fail = true
    let runs = 0
    const loop = new PollLoop(async () => {
      runs++
      if (fail) throw new Error('down')
    }, { intervalMs: 10, backoff: { baseMs: 10, capMs: 80 }, random: () => 1, onFailure: (_e, _a, d) => delays.push(d) })
    loop.start()
    await sleep(250)
    expect(delays.slice(0, 4)).toEqual([10, 20, 40, 80])
    expect(Math.max(...delays)).toBe(80)
    expect(runs).toBeLessThan(10)
    // triggers are ignored while backing off
    loop.trigger(0)
    loop.trigger(0)
    const before = runs
    await sleep(5)
    expect(runs).toBe(before)
    fail = false
    await sleep(100)
    expect(loop.consecutiveFailures).toBe(0)
    const healthyRuns = runs
    await sleep(55)
    loop.stop()
    expect(runs - healthyRuns).toBeGreaterThanOrEqual(3)
  })
  it('trigger pulls the next run forward and coalesces while running', async () => {
    let runs = 0
    const loop = new PollLoop(async () => { runs++; await sleep(20) }, { intervalMs: 10_000, backoff: { baseMs: 10, capMs: 10 } })
    loop.start()
    await sleep(5)
    expect(runs).toBe(1)
    loop.trigger(0)
    loop.trigger(0)
    await sleep(60)
    expect(runs).toBe(2)
    loop.trigger(0)
    await sleep(40)
    loop.stop()
    expect(runs).toBe(3)
  })
})
