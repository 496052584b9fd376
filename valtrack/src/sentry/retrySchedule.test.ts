import { ManualClock } from '../testing/manualClock.js'
import { RetrySchedule } from './retrySchedule.js'

test('entries fire in time order, once, with one timer however many wait', () => {
  const clock = new ManualClock(0)
  const fired: string[] = []
  const s = new RetrySchedule<string>(clock, (key, item) => fired.push(`${key}:${item}`))
  s.schedule('b', 2000, 'B')
  s.schedule('a', 1000, 'A')
  s.schedule('c', 2000, 'C')
  expect(clock.pendingTimers).toBe(1)
  clock.advance(999)
  expect(fired).toEqual([])
  clock.advance(1)
  expect(fired).toEqual(['a:A'])
  clock.advance(1000)
  expect(fired).toEqual(['a:A', 'b:B', 'c:C'])
  expect(s.size).toBe(0)
  expect(clock.pendingTimers).toBe(0)
})

test('scheduling a key again replaces its entry (newer item, new time)', () => {
  const clock = new ManualClock(0)
  const fired: string[] = []
  const s = new RetrySchedule<string>(clock, (key, item) => fired.push(`${key}:${item}`))
  s.schedule('a', 1000, 'old')
  s.schedule('a', 5000, 'new')
  clock.advance(1000)
  expect(fired).toEqual([])
  clock.advance(4000)
  expect(fired).toEqual(['a:new'])
})

test('a wait longer than node timers allow (24.8 days) is not fired early', () => {
  const clock = new ManualClock(0)
  const fired: string[] = []
  const s = new RetrySchedule<number>(clock, (key) => fired.push(key))
  const day = 86_400_000
  s.schedule('far', 30 * day, 0)
  clock.advance(29 * day)
  expect(fired).toEqual([])
  clock.advance(day)
  expect(fired).toEqual(['far'])
})

test('stop clears every entry and the timer', () => {
  const clock = new ManualClock(0)
  const fired: string[] = []
  const s = new RetrySchedule<number>(clock, (key) => fired.push(key))
  s.schedule('a', 10, 0)
  s.stop()
  clock.advance(100)
  expect(fired).toEqual([])
  expect(clock.pendingTimers).toBe(0)
})
