/**
 * Finalised, rotated parquet parts of one file kind under `<dataDir>/<file>/`, the consumer's storage.
 *
 * Rows are buffered in memory; `flush()` writes every row buffered before the call as one part: `<part>.tmp`,
 * fsync, rename to `<file>-<firstSeq>-<lastSeq>-<instanceId>.parquet`, fsync the directory. It resolves only
 * once the part is durable, so the caller acknowledges the messages after it. A failure (ENOSPC, EIO, ...)
 * rejects with a `PartWriteError`, leaves no partial part (the `.tmp` is removed) and keeps the rows buffered:
 * a later `flush()` retries. When to rotate is the caller's decision: `rotationDue()` says whether the rows,
 * bytes or age limit is reached (age by the injected clock).
 *
 * On open, finalised parts are never modified; leftover `.tmp` files (a crash mid-write) of this instance, or
 * older than `staleTmpMs` (another instance's, after its crash), are deleted; the `stream_seq` column of every
 * finalised part is read into a `SeqRanges`, so that `has(seq)` says a redelivered message is already on disk.
 * Several instances (sharing one durable consumer) may share the data dir: each writes its own parts;
 * `refresh()`, and every `flush()` before writing, reads the parts others finalised since, and a flush drops
 * buffered rows another instance has written meanwhile (a redelivery that went to it). Two instances flushing
 * the same redelivered sequence at the same moment can still both write it: readers that need strict
 * uniqueness across instances deduplicate by `stream_seq` (an AckWait above the age limit makes it rare).
 */
import { mkdir, open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { parquetReadObjects } from 'hyparquet'
import { parquetWriteBuffer } from 'hyparquet-writer'
import { compress as snappyCompress } from 'snappyjs'
import { columnDataOf, estimateRowBytes, fileSchemas, PARQUET_SCHEMA_VERSION, parquetSchemaOf, type FileKind, type RowOf } from './schema.js'
import { SeqRanges } from './seqRanges.js'

export interface FileHandleLike {
  writeFile(data: Uint8Array): Promise<void>
  sync(): Promise<void>
  close(): Promise<void>
}

/** The file-system calls the writer makes (injectable: tests simulate ENOSPC and EIO). */
export interface PartFs {
  mkdir(path: string, options: { recursive: true }): Promise<unknown>
  readdir(path: string): Promise<string[]>
  readFile(path: string): Promise<Uint8Array>
  stat(path: string): Promise<{ mtimeMs: number }>
  open(path: string, flags: 'w' | 'r'): Promise<FileHandleLike>
  rename(from: string, to: string): Promise<void>
  unlink(path: string): Promise<void>
}

export const nodePartFs: PartFs = { mkdir, readdir, readFile, stat, open, rename, unlink }

export type FlushStage = 'refresh' | 'encode' | 'open' | 'write' | 'fsync' | 'close' | 'rename' | 'dirsync'

/** A flush that failed: nothing partial is left, the rows stay buffered, `flush()` may be retried. */
export class PartWriteError extends Error {
  override readonly name = 'PartWriteError'
  readonly stage: FlushStage
  /** The errno code (`ENOSPC`, `EIO`, ...) if the cause has one. */
  readonly code: string | undefined
  readonly path: string
  constructor(stage: FlushStage, code: string | undefined, path: string, options: { cause: unknown }) {
    super(`parquet part ${path}: ${stage} failed${code ? ` (${code})` : ''}: ${String((options.cause as Error)?.message ?? options.cause)}`, options)
    this.stage = stage
    this.code = code
    this.path = path
  }
}

/** A finalised part that could not be read: the writer refuses to start rather than write its rows again. */
export class PartReadError extends Error {
  override readonly name = 'PartReadError'
  readonly path: string
  constructor(path: string, options: { cause: unknown }) {
    super(`parquet part ${path} is unreadable: ${String((options.cause as Error)?.message ?? options.cause)}`, options)
    this.path = path
  }
}

export type PartInfo = { name: string; path: string; rows: number; firstSeq: number; lastSeq: number; bytes: number }

export type RotationReason = 'rows' | 'bytes' | 'age'

export type PartWriterOptions<K extends FileKind> = {
  dataDir: string
  file: K
  /** Names this writer's parts; letters, digits and `_` only. Default: 12 random hex digits. */
  instanceId?: string
  /** Rotation limits (see `rotationDue`). Defaults: 100,000 rows, 64 MiB (estimate), 60 s. */
  maxRows?: number
  maxBytes?: number
  maxAgeMs?: number
  /** `.tmp` files of other instances are deleted on open when older than this (default 10 min). */
  staleTmpMs?: number
  /** Clock of the age limit (ms); default `Date.now`. */
  now?: () => number
  /** Wall clock (ms) compared with `.tmp` files' mtime; default `Date.now`. */
  wallClock?: () => number
  fs?: PartFs
  rowGroupSize?: number
}

const INSTANCE_ID = /^[A-Za-z0-9_]+$/

/** Parses `<file>-<firstSeq>-<lastSeq>-<instanceId>.parquet`. */
export function parsePartName(file: string, name: string): { firstSeq: number; lastSeq: number; instanceId: string } | null {
  if (!name.startsWith(`${file}-`) || !name.endsWith('.parquet')) return null
  const m = /^(\d+)-(\d+)-([A-Za-z0-9_]+)$/.exec(name.slice(file.length + 1, -'.parquet'.length))
  return m ? { firstSeq: Number(m[1]), lastSeq: Number(m[2]), instanceId: m[3]! } : null
}

const errCode = (e: unknown): string | undefined => (typeof (e as { code?: unknown })?.code === 'string' ? (e as { code: string }).code : undefined)

/** The `stream_seq` column of a finalised part. */
export async function readPartSeqs(path: string, fs: PartFs = nodePartFs): Promise<number[]> {
  const bytes = await fs.readFile(path)
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer
  const rows = await parquetReadObjects({ file, columns: ['stream_seq'] })
  return rows.map((r) => Number(r.stream_seq))
}

export class PartWriter<K extends FileKind> {
  readonly file: K
  readonly dir: string
  readonly instanceId: string
  readonly maxRows: number
  readonly maxBytes: number
  readonly maxAgeMs: number
  /** `.tmp` files deleted on open. */
  readonly removedTmp: string[] = []

  private readonly fs: PartFs
  private readonly now: () => number
  private readonly wallClock: () => number
  private readonly staleTmpMs: number
  private readonly rowGroupSize: number
  private readonly schema
  private readonly columns
  private readonly onDisk = new SeqRanges()
  private readonly knownParts = new Set<string>()
  private rows: RowOf<K>[] = []
  private rowBytes: number[] = []
  private appendedAt: number[] = []
  private buffered = new Set<number>()
  private bytes = 0
  /** A part renamed into place whose directory fsync failed: committed once a directory fsync succeeds. */
  private pending: { info: PartInfo; count: number } | null = null
  private queue: Promise<unknown> = Promise.resolve()

  private constructor(opts: PartWriterOptions<K>) {
    this.file = opts.file
    this.dir = join(opts.dataDir, opts.file)
    this.instanceId = opts.instanceId ?? randomBytes(6).toString('hex')
    if (!INSTANCE_ID.test(this.instanceId)) throw new RangeError(`instance id must match ${INSTANCE_ID}: ${this.instanceId}`)
    this.maxRows = opts.maxRows ?? 100_000
    this.maxBytes = opts.maxBytes ?? 64 * 1024 * 1024
    this.maxAgeMs = opts.maxAgeMs ?? 60_000
    this.staleTmpMs = opts.staleTmpMs ?? 10 * 60_000
    this.now = opts.now ?? Date.now
    this.wallClock = opts.wallClock ?? Date.now
    this.fs = opts.fs ?? nodePartFs
    this.rowGroupSize = opts.rowGroupSize ?? 100_000
    this.columns = fileSchemas[opts.file]
    this.schema = parquetSchemaOf(this.columns)
  }

  /** Creates the directory if needed, removes leftover `.tmp` files and reads the sequences already on disk. */
  static async open<K extends FileKind>(opts: PartWriterOptions<K>): Promise<PartWriter<K>> {
    const w = new PartWriter(opts)
    await w.fs.mkdir(w.dir, { recursive: true })
    const names = await w.fs.readdir(w.dir)
    for (const name of names) {
      if (!name.endsWith('.tmp')) continue
      const ours = parsePartName(w.file, name.slice(0, -'.tmp'.length))?.instanceId === w.instanceId
      const path = join(w.dir, name)
      try {
        const stale = ours || w.wallClock() - (await w.fs.stat(path)).mtimeMs >= w.staleTmpMs
        if (!stale) continue
        await w.fs.unlink(path)
        w.removedTmp.push(name)
      } catch (e) {
        // Another instance renamed (finished) or removed it meanwhile.
        if (errCode(e) !== 'ENOENT') throw e
      }
    }
    if (w.removedTmp.length > 0) await w.syncDir()
    await w.readNewParts(names)
    return w
  }

  private async readNewParts(names: string[]): Promise<number> {
    let added = 0
    for (const name of names.sort()) {
      if (this.knownParts.has(name) || name === this.pending?.info.name || !parsePartName(this.file, name)) continue
      const path = join(this.dir, name)
      let seqs: number[]
      try {
        seqs = await readPartSeqs(path, this.fs)
      } catch (e) {
        throw new PartReadError(path, { cause: e })
      }
      for (const s of seqs) this.onDisk.add(s)
      this.knownParts.add(name)
      added++
    }
    return added
  }

  /** Reads parts finalised (by other instances) since open; returns how many were new. */
  async refresh(): Promise<number> {
    return this.readNewParts(await this.fs.readdir(this.dir))
  }

  /** Whether a row with this stream sequence is durably on disk (in a finalised part). */
  has(seq: number): boolean {
    return this.onDisk.has(seq)
  }

  /** Whether a row with this stream sequence is buffered (not yet durable). */
  isBuffered(seq: number): boolean {
    return this.buffered.has(seq)
  }

  /** Number of distinct sequences on disk. */
  get rowsOnDisk(): number {
    return this.onDisk.size
  }

  get bufferedRows(): number {
    return this.rows.length
  }

  /** Estimate of the buffered rows' encoded size (uncompressed). */
  get bufferedBytes(): number {
    return this.bytes
  }

  /**
   * Buffers a row, or refuses it as a duplicate when its `stream_seq` is already on disk or buffered (a
   * redelivery: the caller acks it once it is on disk). Throws a TypeError for a null in a required column.
   */
  append(row: RowOf<K>): 'buffered' | 'duplicate' {
    const seq = row.stream_seq
    if (!Number.isSafeInteger(seq) || seq < 0) throw new TypeError(`stream_seq must be a non-negative integer, got ${seq}`)
    if (this.onDisk.has(seq) || this.buffered.has(seq)) return 'duplicate'
    const r = row as unknown as Record<string, unknown>
    for (const c of this.columns) {
      if (!c.optional && (r[c.name] === null || r[c.name] === undefined)) throw new TypeError(`${this.file}.${c.name}: required, got ${r[c.name]}`)
    }
    const size = estimateRowBytes(row)
    this.rows.push(row)
    this.rowBytes.push(size)
    this.appendedAt.push(this.now())
    this.buffered.add(seq)
    this.bytes += size
    return 'buffered'
  }

  /** Why the buffer should be flushed now, or null. */
  rotationDue(): RotationReason | null {
    if (this.rows.length === 0) return null
    if (this.rows.length >= this.maxRows) return 'rows'
    if (this.bytes >= this.maxBytes) return 'bytes'
    if (this.now() - this.appendedAt[0]! >= this.maxAgeMs) return 'age'
    return null
  }

  /** Ms until the oldest buffered row reaches the age limit (0 if due), or null if nothing is buffered. */
  msUntilAgeRotation(): number | null {
    if (this.rows.length === 0) return null
    return Math.max(0, this.appendedAt[0]! + this.maxAgeMs - this.now())
  }

  /**
   * Writes every row buffered before the call as durable parts (one, or two if an earlier part's directory
   * fsync is being retried) and returns them; [] if nothing was buffered. Calls are serialised.
   */
  flush(): Promise<PartInfo[]> {
    const run = this.queue.then(
      () => this.flushNow(),
      () => this.flushNow(),
    )
    this.queue = run.catch(() => undefined)
    return run
  }

  private async syncDir(): Promise<void> {
    const d = await this.fs.open(this.dir, 'r')
    try {
      await d.sync()
    } finally {
      await d.close()
    }
  }

  private commit(info: PartInfo, count: number): void {
    const done = this.rows.splice(0, count)
    const doneBytes = this.rowBytes.splice(0, count)
    this.appendedAt.splice(0, count)
    for (const r of done) {
      this.onDisk.add(r.stream_seq)
      this.buffered.delete(r.stream_seq)
    }
    for (const b of doneBytes) this.bytes -= b
    this.knownParts.add(info.name)
  }

  private dropOnDisk(): void {
    if (!this.rows.some((r) => this.onDisk.has(r.stream_seq))) return
    const keep = this.rows.map((r) => !this.onDisk.has(r.stream_seq))
    for (let i = 0; i < this.rows.length; i++) if (!keep[i]) (this.buffered.delete(this.rows[i]!.stream_seq), (this.bytes -= this.rowBytes[i]!))
    this.rows = this.rows.filter((_, i) => keep[i])
    this.rowBytes = this.rowBytes.filter((_, i) => keep[i])
    this.appendedAt = this.appendedAt.filter((_, i) => keep[i])
  }

  private async flushNow(): Promise<PartInfo[]> {
    const out: PartInfo[] = []
    if (this.pending) {
      const { info, count } = this.pending
      try {
        await this.syncDir()
      } catch (e) {
        throw new PartWriteError('dirsync', errCode(e), info.path, { cause: e })
      }
      this.commit(info, count)
      this.pending = null
      out.push(info)
    }
    if (this.rows.length === 0) return out
    // Rows another instance has written meanwhile (a redelivery that went to it) are durable already: drop them.
    try {
      await this.readNewParts(await this.fs.readdir(this.dir))
    } catch (e) {
      throw e instanceof PartReadError ? e : new PartWriteError('refresh', errCode(e), this.dir, { cause: e })
    }
    this.dropOnDisk()
    const count = this.rows.length
    if (count === 0) return out
    const rows = this.rows.slice(0, count)
    let firstSeq = Infinity
    let lastSeq = -Infinity
    for (const r of rows) {
      if (r.stream_seq < firstSeq) firstSeq = r.stream_seq
      if (r.stream_seq > lastSeq) lastSeq = r.stream_seq
    }
    const name = `${this.file}-${firstSeq}-${lastSeq}-${this.instanceId}.parquet`
    const path = join(this.dir, name)
    const tmp = `${path}.tmp`
    let bytes: Uint8Array
    try {
      bytes = new Uint8Array(
        parquetWriteBuffer({
          schema: this.schema,
          columnData: columnDataOf(this.columns, rows),
          rowGroupSize: this.rowGroupSize,
          // snappyjs (also the p2p codec's): the same format, faster than the writer's own compressor.
          compressors: { SNAPPY: snappyCompress },
          kvMetadata: [
            { key: 'valtrack.schema_version', value: String(PARQUET_SCHEMA_VERSION) },
            { key: 'valtrack.file', value: this.file },
          ],
          createdBy: 'valtrack',
        }),
      )
    } catch (e) {
      throw new PartWriteError('encode', errCode(e), tmp, { cause: e })
    }
    let stage: FlushStage = 'open'
    let fh: FileHandleLike | undefined
    try {
      fh = await this.fs.open(tmp, 'w')
      stage = 'write'
      await fh.writeFile(bytes)
      stage = 'fsync'
      await fh.sync()
      stage = 'close'
      const h = fh
      fh = undefined
      await h.close()
      stage = 'rename'
      await this.fs.rename(tmp, path)
    } catch (e) {
      if (fh) await fh.close().catch(() => undefined)
      await this.fs.unlink(tmp).catch(() => undefined)
      throw new PartWriteError(stage, errCode(e), stage === 'rename' ? path : tmp, { cause: e })
    }
    const info: PartInfo = { name, path, rows: count, firstSeq, lastSeq, bytes: bytes.byteLength }
    try {
      await this.syncDir()
    } catch (e) {
      // The part is complete under its final name; only its directory entry may not be durable yet.
      this.pending = { info, count }
      throw new PartWriteError('dirsync', errCode(e), path, { cause: e })
    }
    this.commit(info, count)
    out.push(info)
    return out
  }
}
