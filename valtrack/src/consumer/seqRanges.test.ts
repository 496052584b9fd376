import { SeqRanges } from './seqRanges.js'
import { rng } from '../testing/random.js'

describe('SeqRanges', () => {
  test('consecutive sequences collapse into one range', () => {
    const s = new SeqRanges()
    for (let i = 1; i <= 10_000; i++) expect(s.add(i)).toBe(true)
    expect(s.rangeCount).toBe(1)
    expect(s.size).toBe(10_000)
    expect(s.has(0)).toBe(false)
    expect(s.has(1)).toBe(true)
    expect(s.has(10_000)).toBe(true)
    expect(s.has(10_001)).toBe(false)
  })

  test('gaps, out-of-order adds and merges; duplicates are refused', () => {
    const s = new SeqRanges()
    for (const x of [10, 12, 5, 11, 7, 6, 1, 3, 2]) expect(s.add(x)).toBe(true)
    expect(s.ranges()).toEqual([
      [1, 3],
      [5, 7],
      [10, 12],
    ])
    expect(s.add(6)).toBe(false)
    expect(s.add(4)).toBe(true)
    expect(s.add(9)).toBe(true)
    expect(s.add(8)).toBe(true)
    expect(s.ranges()).toEqual([[1, 12]])
    expect(s.size).toBe(12)
    expect(() => s.add(-1)).toThrow(RangeError)
  })

  test('agrees with a Set on random input', () => {
    const r = rng(7)
    const s = new SeqRanges()
    const ref = new Set<number>()
    for (let i = 0; i < 5_000; i++) {
      const x = r.int(3_000)
      expect(s.add(x)).toBe(!ref.has(x))
      ref.add(x)
    }
    for (let x = 0; x < 3_100; x++) expect(s.has(x)).toBe(ref.has(x))
    expect(s.size).toBe(ref.size)
    const rs = s.ranges()
    for (let i = 1; i < rs.length; i++) expect(rs[i]![0]).toBeGreaterThan(rs[i - 1]![1] + 1)
  })
})
