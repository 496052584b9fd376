import { BoundedQueue } from './boundedQueue.js'

const item = (id: number, bytes = 10) => ({ id, bytes })
const ids = (q: BoundedQueue<{ id: number; bytes: number }>) => {
  const out: number[] = []
  for (let x = q.shift(); x; x = q.shift()) out.push(x.id)
  return out
}

describe('BoundedQueue', () => {
  it('keeps order and drops the oldest beyond the count bound', () => {
    const q = new BoundedQueue<{ id: number; bytes: number }>(3, 1_000)
    const dropped = [1, 2, 3, 4, 5].map((id) => q.push(item(id)))
    expect(dropped).toEqual([0, 0, 0, 1, 1])
    expect(q.size).toBe(3)
    expect(ids(q)).toEqual([3, 4, 5])
  })

  it('drops the oldest beyond the byte bound and tracks bytes', () => {
    const q = new BoundedQueue<{ id: number; bytes: number }>(100, 25)
    expect(q.push(item(1, 10))).toBe(0)
    expect(q.push(item(2, 10))).toBe(0)
    expect(q.bytes).toBe(20)
    expect(q.push(item(3, 10))).toBe(1)
    expect(q.bytes).toBe(20)
    expect(ids(q)).toEqual([2, 3])
    expect(q.bytes).toBe(0)
  })

  it('drops an event larger than the byte bound without evicting others', () => {
    const q = new BoundedQueue<{ id: number; bytes: number }>(100, 25)
    q.push(item(1, 10))
    expect(q.push(item(2, 26))).toBe(1)
    expect(ids(q)).toEqual([1])
  })

  it('puts events back at the front, and a full queue drops the one put back (the oldest)', () => {
    const q = new BoundedQueue<{ id: number; bytes: number }>(2, 1_000)
    q.push(item(1))
    q.push(item(2))
    const first = q.shift()!
    expect(q.unshift(first)).toBe(0)
    q.push(item(3)) // drops 1
    const two = q.shift()!
    q.push(item(4))
    expect(q.unshift(two)).toBe(1) // 2 is the oldest: dropped again
    expect(ids(q)).toEqual([3, 4])
  })

  it('stays correct across compaction', () => {
    const q = new BoundedQueue<{ id: number; bytes: number }>(10_000, 10 ** 9)
    for (let i = 0; i < 5_000; i++) q.push(item(i))
    for (let i = 0; i < 3_000; i++) expect(q.shift()!.id).toBe(i)
    q.unshift(item(-1))
    expect(q.size).toBe(2_001)
    expect(q.bytes).toBe(20_010)
    const rest = ids(q)
    expect(rest[0]).toBe(-1)
    expect(rest.slice(1)).toEqual(Array.from({ length: 2_000 }, (_, i) => 3_000 + i))
  })

  it('rejects bounds below one', () => {
    expect(() => new BoundedQueue(0, 10)).toThrow(RangeError)
    expect(() => new BoundedQueue(10, 0)).toThrow(RangeError)
  })
})
