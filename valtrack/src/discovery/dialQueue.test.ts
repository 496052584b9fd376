import { DialQueue } from './dialQueue.js'

/** Lets every promise callback that is ready run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve))

test('first in, first out', async () => {
  const q = new DialQueue<number>(10)
  for (const n of [1, 2, 3]) await q.offer(`k${n}`, n)
  expect([(await q.take()).item, (await q.take()).item, (await q.take()).item]).toEqual([1, 2, 3])
})

test('a node offered again while queued keeps its place and takes the newer record', async () => {
  const q = new DialQueue<string>(10)
  await q.offer('a', 'seq1')
  await q.offer('b', 'b')
  expect(await q.offer('a', 'seq2')).toBe('updated')
  expect(q.size).toBe(2)
  expect(await q.take()).toEqual({ key: 'a', item: 'seq2' })
})

test('full: offer waits for room instead of dropping; none of 1,000 nodes is lost or skipped', async () => {
  const q = new DialQueue<number>(8)
  const offered = Promise.all(Array.from({ length: 1000 }, (_, i) => q.offer(`n${i}`, i)))
  await settle()
  expect(q.size).toBe(8)
  const taken: number[] = []
  while (taken.length < 1000) taken.push((await q.take()).item)
  await offered
  expect(taken).toEqual(Array.from({ length: 1000 }, (_, i) => i))
  expect(q.size).toBe(0)
})

test('take waits for an entry', async () => {
  const q = new DialQueue<number>(1)
  let got: number | undefined
  void q.take().then((e) => (got = e.item))
  await settle()
  expect(got).toBeUndefined()
  await q.offer('x', 7)
  await settle()
  expect(got).toBe(7)
})

test('a bad capacity is refused', () => {
  expect(() => new DialQueue(0)).toThrow(RangeError)
})
