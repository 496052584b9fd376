import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { JsonLinesWriter } from './jsonLines.js'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'valtrack-jsonl-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

const lines = async (path: string) =>
  (await readFile(path, 'utf8'))
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as unknown)

test('appends to what is there: a restart never truncates', async () => {
  const path = join(dir, 'discovery_events.log')
  await writeFile(path, '{"before":true}\n')
  const w = await JsonLinesWriter.open(path)
  await w.write({ n: 1 })
  await w.close()
  const again = await JsonLinesWriter.open(path)
  await again.write({ n: 2 })
  await again.close()
  expect(await lines(path)).toEqual([{ before: true }, { n: 1 }, { n: 2 }])
})

test('concurrent writes never interleave', async () => {
  const path = join(dir, 'metadata_events.log')
  const w = await JsonLinesWriter.open(path)
  await Promise.all(Array.from({ length: 200 }, (_, i) => w.write({ i, pad: 'x'.repeat(i * 10) })))
  await w.close()
  expect(((await lines(path)) as { i: number }[]).map((l) => l.i)).toEqual(Array.from({ length: 200 }, (_, i) => i))
})

test('rotates past maxBytes, keeps at most `keep` old parts, loses no line of the kept ones', async () => {
  const path = join(dir, 'e.log')
  const line = `${JSON.stringify({ i: 0, pad: 'x'.repeat(80) })}\n`.length // every line below has this length (i < 10)
  const w = await JsonLinesWriter.open(path, { maxBytes: line * 3, keep: 2 })
  for (let i = 0; i < 10; i++) await w.write({ i, pad: 'x'.repeat(80) })
  await w.close()
  expect((await readdir(dir)).sort()).toEqual(['e.log', 'e.log.1', 'e.log.2'])
  const ids = async (p: string) => ((await lines(p)) as { i: number }[]).map((l) => l.i)
  expect(await ids(`${path}.2`)).toEqual([3, 4, 5])
  expect(await ids(`${path}.1`)).toEqual([6, 7, 8])
  expect(await ids(path)).toEqual([9])
})

test('a line larger than maxBytes is written, alone in its file', async () => {
  const path = join(dir, 'big.log')
  const w = await JsonLinesWriter.open(path, { maxBytes: 10, keep: 1 })
  await w.write({ big: 'y'.repeat(50) })
  await w.write({ small: 1 })
  await w.close()
  expect(await lines(`${path}.1`)).toEqual([{ big: 'y'.repeat(50) }])
  expect(await lines(path)).toEqual([{ small: 1 }])
})

test('bad rotation options are refused', async () => {
  await expect(JsonLinesWriter.open(join(dir, 'x.log'), { maxBytes: 0, keep: 1 })).rejects.toThrow(RangeError)
})
