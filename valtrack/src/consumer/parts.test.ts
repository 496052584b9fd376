import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parquetReadObjects } from 'hyparquet'
import { discoveredEvent, metadataEvent } from '../sinks/fixtures.js'
import { nodePartFs, parsePartName, PartReadError, PartWriteError, PartWriter, type PartFs } from './parts.js'
import { discoveryRow, metadataRow } from './schema.js'

const dirs: string[] = []
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'valtrack-parts-'))
  dirs.push(d)
  return d
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

const mdRow = (seq: number) => metadataRow(metadataEvent(seq), seq, 1_700_000_000_000 + seq)

/** Every row of every finalised part of a file kind, read back in full. */
async function readAll(dataDir: string, file: string): Promise<Record<string, unknown>[]> {
  const dir = join(dataDir, file)
  const out: Record<string, unknown>[] = []
  for (const name of readdirSync(dir).sort()) {
    if (!name.endsWith('.parquet')) continue
    const b = readFileSync(join(dir, name))
    const rows = await parquetReadObjects({ file: b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer })
    out.push(...rows)
  }
  return out
}
const seqsOf = (rows: Record<string, unknown>[]) => rows.map((r) => Number(r.stream_seq)).sort((a, b) => a - b)
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i)

class ManualClock {
  t = 1_000_000
  now = () => this.t
}

describe('PartWriter', () => {
  test('a flush writes one finalised part, named by its sequences, that reads back with real types', async () => {
    const dataDir = tempDir()
    const w = await PartWriter.open({ dataDir, file: 'metadata_events', instanceId: 'a' })
    for (const s of [3, 1, 2]) expect(w.append(mdRow(s))).toBe('buffered')
    expect(w.has(1)).toBe(false)
    expect(w.isBuffered(1)).toBe(true)
    const parts = await w.flush()
    expect(parts.map((p) => p.name)).toEqual(['metadata_events-1-3-a.parquet'])
    expect(readdirSync(join(dataDir, 'metadata_events'))).toEqual(['metadata_events-1-3-a.parquet'])
    expect(w.has(1) && w.has(2) && w.has(3)).toBe(true)
    expect(w.isBuffered(1)).toBe(false)
    expect(w.bufferedRows).toBe(0)
    expect(w.bufferedBytes).toBe(0)
    const rows = await readAll(dataDir, 'metadata_events')
    expect(rows.map((r) => r.stream_seq)).toEqual([3n, 1n, 2n])
    expect(rows[0]).toMatchObject({ timestamp: new Date(1_700_000_000_003), subscribed_subnets: [0, 1, 17], attnets: '0x0000000000000003', seq_number: 3n })
    expect(await w.flush()).toEqual([])
  })

  test('redeliveries are duplicates, whether buffered or on disk', async () => {
    const dataDir = tempDir()
    const w = await PartWriter.open({ dataDir, file: 'discovery_events', instanceId: 'a' })
    expect(w.append(discoveryRow(discoveredEvent(1), 5, 1))).toBe('buffered')
    expect(w.append(discoveryRow(discoveredEvent(1), 5, 2))).toBe('duplicate')
    await w.flush()
    expect(w.append(discoveryRow(discoveredEvent(1), 5, 3))).toBe('duplicate')
    expect(w.bufferedRows).toBe(0)
    expect(() => w.append({ ...discoveryRow(discoveredEvent(1), 6, 3), enr: null as unknown as string })).toThrow(TypeError)
    expect(seqsOf(await readAll(dataDir, 'discovery_events'))).toEqual([5])
  })

  test('rotation triggers: rows, bytes, age by the injected clock', async () => {
    const clock = new ManualClock()
    const dataDir = tempDir()
    const byRows = await PartWriter.open({ dataDir, file: 'metadata_events', instanceId: 'r', maxRows: 3, maxBytes: 1e9, maxAgeMs: 1000, now: clock.now })
    expect(byRows.rotationDue()).toBeNull()
    expect(byRows.msUntilAgeRotation()).toBeNull()
    byRows.append(mdRow(1))
    byRows.append(mdRow(2))
    expect(byRows.rotationDue()).toBeNull()
    byRows.append(mdRow(3))
    expect(byRows.rotationDue()).toBe('rows')
    await byRows.flush()
    expect(byRows.rotationDue()).toBeNull()

    const byBytes = await PartWriter.open({ dataDir, file: 'discovery_events', instanceId: 'b', maxRows: 1e6, maxBytes: 1000, maxAgeMs: 1e9, now: clock.now })
    let n = 0
    while (byBytes.rotationDue() === null) byBytes.append(discoveryRow(discoveredEvent(++n), n, 0))
    expect(byBytes.rotationDue()).toBe('bytes')
    expect(byBytes.bufferedBytes).toBeGreaterThanOrEqual(1000)
    expect(n).toBeGreaterThan(1)

    const byAge = await PartWriter.open({ dataDir, file: 'validator_metadata_events', instanceId: 'c', maxRows: 1e6, maxBytes: 1e9, maxAgeMs: 1000, now: clock.now })
    const w = await PartWriter.open({ dataDir: tempDir(), file: 'metadata_events', instanceId: 'd', maxRows: 1e6, maxBytes: 1e9, maxAgeMs: 1000, now: clock.now })
    expect(byAge.rotationDue()).toBeNull()
    w.append(mdRow(1))
    clock.t += 400
    w.append(mdRow(2))
    expect(w.msUntilAgeRotation()).toBe(600)
    clock.t += 599
    expect(w.rotationDue()).toBeNull()
    clock.t += 1
    expect(w.rotationDue()).toBe('age')
    expect(w.msUntilAgeRotation()).toBe(0)
    await w.flush()
    // Age counts from the oldest row still buffered.
    w.append(mdRow(3))
    expect(w.msUntilAgeRotation()).toBe(1000)
  })

  test('rows appended while a flush is in progress stay buffered for the next part', async () => {
    const dataDir = tempDir()
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    let renaming!: () => void
    const inRename = new Promise<void>((r) => (renaming = r))
    const fs: PartFs = { ...nodePartFs, rename: async (a, b) => (renaming(), await gate, nodePartFs.rename(a, b)) }
    const w = await PartWriter.open({ dataDir, file: 'metadata_events', instanceId: 'a', fs })
    w.append(mdRow(1))
    const f = w.flush()
    await inRename
    w.append(mdRow(2))
    release()
    expect((await f).map((p) => p.name)).toEqual(['metadata_events-1-1-a.parquet'])
    expect(w.bufferedRows).toBe(1)
    expect((await w.flush()).map((p) => p.name)).toEqual(['metadata_events-2-2-a.parquet'])
  })

  test('a restart sees the sequences already on disk and never touches finalised parts', async () => {
    const dataDir = tempDir()
    const w1 = await PartWriter.open({ dataDir, file: 'metadata_events', instanceId: 'one' })
    for (const s of [1, 2, 3, 7, 8]) w1.append(mdRow(s))
    await w1.flush()
    w1.append(mdRow(4))
    w1.append(mdRow(9))
    await w1.flush()
    w1.append(mdRow(10)) // buffered, never flushed: lost with the process, so not on disk
    const snapshot = () => readdirSync(join(dataDir, 'metadata_events')).map((n) => [n, readFileSync(join(dataDir, 'metadata_events', n)).toString('base64')])
    const before = snapshot()
    const w2 = await PartWriter.open({ dataDir, file: 'metadata_events', instanceId: 'two' })
    expect(snapshot()).toEqual(before)
    for (const s of [1, 2, 3, 4, 7, 8, 9]) expect(w2.has(s)).toBe(true)
    for (const s of [0, 5, 6, 10]) expect(w2.has(s)).toBe(false)
    expect(w2.rowsOnDisk).toBe(7)
    expect(w2.append(mdRow(3))).toBe('duplicate')
    expect(w2.append(mdRow(10))).toBe('buffered')
    await w2.flush()
    expect(seqsOf(await readAll(dataDir, 'metadata_events'))).toEqual([1, 2, 3, 4, 7, 8, 9, 10])
  })

  test('refresh() reads parts another instance finalised since open', async () => {
    const dataDir = tempDir()
    const a = await PartWriter.open({ dataDir, file: 'metadata_events', instanceId: 'a' })
    const b = await PartWriter.open({ dataDir, file: 'metadata_events', instanceId: 'b' })
    b.append(mdRow(5))
    await b.flush()
    expect(a.has(5)).toBe(false)
    expect(await a.refresh()).toBe(1)
    expect(a.has(5)).toBe(true)
    expect(await a.refresh()).toBe(0)
  })

  test('a flush drops buffered rows another instance has written meanwhile', async () => {
    const dataDir = tempDir()
    const a = await PartWriter.open({ dataDir, file: 'metadata_events', instanceId: 'a' })
    const b = await PartWriter.open({ dataDir, file: 'metadata_events', instanceId: 'b' })
    a.append(mdRow(5))
    a.append(mdRow(6))
    b.append(mdRow(5)) // redelivered to b while a still holds it
    await b.flush()
    expect((await a.flush()).map((p) => p.name)).toEqual(['metadata_events-6-6-a.parquet'])
    expect(a.bufferedRows).toBe(0)
    expect(a.has(5) && a.has(6)).toBe(true)
    b.append(mdRow(6))
    expect(await b.flush()).toEqual([])
    expect(seqsOf(await readAll(dataDir, 'metadata_events'))).toEqual([5, 6])
  })

  test('a leftover .tmp is removed on open and its rows are not counted as on disk', async () => {
    const dataDir = tempDir()
    const w = await PartWriter.open({ dataDir, file: 'metadata_events', instanceId: 'x' })
    w.append(mdRow(1))
    await w.flush()
    const dir = join(dataDir, 'metadata_events')
    // A complete part's bytes under a .tmp name: a crash after the write, before the rename.
    const part = readFileSync(join(dir, 'metadata_events-1-1-x.parquet'))
    writeFileSync(join(dir, 'metadata_events-2-2-x.parquet.tmp'), part)
    writeFileSync(join(dir, 'metadata_events-3-3-x.parquet.tmp'), part.subarray(0, 10)) // a torn one
    // Another instance's fresh .tmp is left alone (it may be writing it now); a stale one is removed.
    writeFileSync(join(dir, 'metadata_events-4-4-other.parquet.tmp'), part)
    writeFileSync(join(dir, 'metadata_events-5-5-gone.parquet.tmp'), part)
    utimesSync(join(dir, 'metadata_events-5-5-gone.parquet.tmp'), new Date(0), new Date(0))
    const w2 = await PartWriter.open({ dataDir, file: 'metadata_events', instanceId: 'x', staleTmpMs: 60_000 })
    expect(w2.removedTmp.sort()).toEqual(['metadata_events-2-2-x.parquet.tmp', 'metadata_events-3-3-x.parquet.tmp', 'metadata_events-5-5-gone.parquet.tmp'])
    expect(readdirSync(dir).sort()).toEqual(['metadata_events-1-1-x.parquet', 'metadata_events-4-4-other.parquet.tmp'])
    expect(w2.rowsOnDisk).toBe(1)
    expect(w2.has(1)).toBe(true)
    expect(w2.has(2)).toBe(false)
  })

  test('an unreadable finalised part stops the open (its rows must not be written twice)', async () => {
    const dataDir = tempDir()
    mkdirSync(join(dataDir, 'metadata_events'))
    writeFileSync(join(dataDir, 'metadata_events', 'metadata_events-1-1-x.parquet'), 'not parquet')
    await expect(PartWriter.open({ dataDir, file: 'metadata_events' })).rejects.toBeInstanceOf(PartReadError)
  })

  test('part names parse; instance ids are restricted', async () => {
    expect(parsePartName('metadata_events', 'metadata_events-10-20-ab_1.parquet')).toEqual({ firstSeq: 10, lastSeq: 20, instanceId: 'ab_1' })
    expect(parsePartName('metadata_events', 'validator_metadata_events-10-20-a.parquet')).toBeNull()
    expect(parsePartName('metadata_events', 'metadata_events-10-20-a.parquet.tmp')).toBeNull()
    expect(parsePartName('metadata_events', 'metadata_events-x-20-a.parquet')).toBeNull()
    await expect(PartWriter.open({ dataDir: tempDir(), file: 'metadata_events', instanceId: 'a-b' })).rejects.toThrow(RangeError)
  })

  describe('failures leave nothing partial; the rows stay buffered and a later flush succeeds', () => {
    const enospc = () => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' })

    test.each(['write', 'fsync', 'rename'] as const)('%s fails with ENOSPC', async (stage) => {
      const dataDir = tempDir()
      let failing = true
      const fs: PartFs = {
        ...nodePartFs,
        open: async (path, flags) => {
          const h = await nodePartFs.open(path, flags)
          if (flags === 'r') return h
          return {
            // A partial write before the failure, as a real ENOSPC leaves.
            writeFile: async (data) => (failing && stage === 'write' ? (await h.writeFile(data.subarray(0, 100)), Promise.reject(enospc())) : h.writeFile(data)),
            sync: async () => (failing && stage === 'fsync' ? Promise.reject(enospc()) : h.sync()),
            close: () => h.close(),
          }
        },
        rename: async (a, b) => (failing && stage === 'rename' ? Promise.reject(enospc()) : nodePartFs.rename(a, b)),
      }
      const w = await PartWriter.open({ dataDir, file: 'metadata_events', instanceId: 'a', fs })
      for (const s of range(1, 50)) w.append(mdRow(s))
      const err = await w.flush().catch((e: unknown) => e)
      expect(err).toBeInstanceOf(PartWriteError)
      expect(err).toMatchObject({ code: 'ENOSPC', stage })
      expect(readdirSync(join(dataDir, 'metadata_events'))).toEqual([])
      expect(w.bufferedRows).toBe(50)
      expect(w.has(1)).toBe(false)
      await expect(w.flush()).rejects.toBeInstanceOf(PartWriteError)
      failing = false
      w.append(mdRow(51))
      expect((await w.flush()).map((p) => p.name)).toEqual(['metadata_events-1-51-a.parquet'])
      expect(seqsOf(await readAll(dataDir, 'metadata_events'))).toEqual(range(1, 51))
    })

    test('a failed directory fsync after the rename is retried without writing the part again', async () => {
      const dataDir = tempDir()
      let failDirSync = true
      const fs: PartFs = {
        ...nodePartFs,
        open: async (path, flags) => {
          const h = await nodePartFs.open(path, flags)
          if (flags !== 'r') return h
          return { writeFile: (d) => h.writeFile(d), sync: async () => (failDirSync ? Promise.reject(Object.assign(new Error('EIO'), { code: 'EIO' })) : h.sync()), close: () => h.close() }
        },
      }
      const w = await PartWriter.open({ dataDir, file: 'metadata_events', instanceId: 'a', fs })
      w.append(mdRow(1))
      await expect(w.flush()).rejects.toMatchObject({ stage: 'dirsync', code: 'EIO' })
      expect(w.has(1)).toBe(false)
      expect(w.append(mdRow(1))).toBe('duplicate')
      w.append(mdRow(2))
      await expect(w.flush()).rejects.toMatchObject({ stage: 'dirsync' })
      failDirSync = false
      expect((await w.flush()).map((p) => p.name)).toEqual(['metadata_events-1-1-a.parquet', 'metadata_events-2-2-a.parquet'])
      expect(seqsOf(await readAll(dataDir, 'metadata_events'))).toEqual([1, 2])
    })

    const canMount = process.getuid?.() === 0 && spawnSync('mount', ['--version']).status === 0
    ;(canMount ? test : test.skip)('a real ENOSPC on a 64 KiB tmpfs; the flush succeeds once space is freed', async () => {
      const mnt = tempDir()
      const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mnt])
      if (m.status !== 0) throw new Error(`mount failed: ${m.stderr}`)
      try {
        const w = await PartWriter.open({ dataDir: mnt, file: 'metadata_events', instanceId: 'a' })
        for (const s of range(1, 300)) w.append(mdRow(s))
        writeFileSync(join(mnt, 'filler'), Buffer.alloc(60 * 1024))
        const err = await w.flush().catch((e: unknown) => e)
        expect(err).toBeInstanceOf(PartWriteError)
        expect((err as PartWriteError).code).toBe('ENOSPC')
        expect(readdirSync(join(mnt, 'metadata_events'))).toEqual([])
        expect(w.bufferedRows).toBe(300)
        rmSync(join(mnt, 'filler'))
        const parts = await w.flush()
        expect(parts).toHaveLength(1)
        expect(seqsOf(await readAll(mnt, 'metadata_events'))).toEqual(range(1, 300))
      } finally {
        spawnSync('umount', [mnt])
      }
    })
  })

  /**
   * Runs the built crashChild.js (dist/, built by `npm test` and scripts/test.sh) until it has reported `until`
   * completed flushes (counting from batch 0), then kill -9.
   */
  async function runChildUntil(dataDir: string, batch: number, until: number): Promise<number[]> {
    const script = fileURLToPath(new URL('../../dist/consumer/crashChild.js', import.meta.url))
    if (!existsSync(script)) throw new Error(`${script} missing: run \`npm run build\` (npm test does it)`)
    const child = spawn(process.execPath, [script, dataDir, String(batch)], { stdio: ['ignore', 'pipe', 'pipe'] })
    const closed = new Promise((r) => child.stdout.once('close', r))
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)))
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const flushed: number[] = []
    await new Promise<void>((resolve, reject) => {
      let buf = ''
      child.stdout.on('data', (d: Buffer) => {
        buf += d.toString()
        let nl
        while ((nl = buf.indexOf('\n')) >= 0) {
          const m = /^flushed (\d+)$/.exec(buf.slice(0, nl))
          buf = buf.slice(nl + 1)
          if (m) flushed.push(Number(m[1]))
          if (flushed.length === until) {
            child.kill('SIGKILL')
            resolve()
          }
        }
      })
      child.on('exit', () => reject(new Error(`child exited early after ${flushed.length} flushes: ${stderr}`)))
    })
    expect(await exited).toBe('SIGKILL')
    await closed // lines already in the pipe when the child died are completed flushes too
    return flushed
  }

  test('kill -9 mid-stream, three times: reopening finds only complete parts, holding exactly the flushed batches', async () => {
    const dataDir = tempDir()
    const batch = 200
    let onDisk = 0
    for (const round of [1, 2, 3]) {
      // A restarted child appends batches 0.. again (the redeliveries): those on disk are duplicates.
      const flushed = await runChildUntil(dataDir, batch, onDisk + 4)
      const reported = flushed.length
      expect(flushed).toEqual(range(0, reported - 1))

      const w = await PartWriter.open({ dataDir, file: 'metadata_events', instanceId: 'child' })
      expect(readdirSync(join(dataDir, 'metadata_events')).every((n) => n.endsWith('.parquet'))).toBe(true)
      const rows = await readAll(dataDir, 'metadata_events')
      const seqs = seqsOf(rows)
      expect(new Set(seqs).size).toBe(seqs.length)
      // Every reported flush is on disk; at most the batch in flight (renamed, not yet reported) too.
      onDisk = seqs.length / batch
      expect([reported, reported + 1]).toContain(onDisk)
      expect(seqs).toEqual(range(1, onDisk * batch))
      expect(w.rowsOnDisk).toBe(seqs.length)
      for (const r of rows) expect(r).toMatchObject({ attnets: '0x0000000000000003', subscribed_subnets: [0, 1, 17] })
      if (round < 3) continue

      // The last restart: JetStream redelivers everything unacked (here: all, and more); each is written once.
      const total = (onDisk + 2) * batch
      let dup = 0
      for (const s of range(1, total)) if (w.append(mdRow(s)) === 'duplicate') dup++
      expect(dup).toBe(seqs.length)
      await w.flush()
      expect(seqsOf(await readAll(dataDir, 'metadata_events'))).toEqual(range(1, total))
    }
  })
})
