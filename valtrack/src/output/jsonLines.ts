/**
 * The sentry's output without NATS: one JSON object per line, appended to discovery_events.log and
 * metadata_events.log (the original's names). A file is never truncated at start (the original lost what it
 * had written at every restart); past `maxBytes` it is rotated: name.1 is the newest old part, at most
 * `keep` old parts are kept. Writes are serialised: lines never interleave.
 */
import { type FileHandle, open, rename, rm, stat } from 'node:fs/promises'

export type JsonLinesOptions = { maxBytes: number; keep: number }

export const defaultJsonLinesOptions: JsonLinesOptions = { maxBytes: 100 * 2 ** 20, keep: 5 }

export class JsonLinesWriter {
  private chain: Promise<void> = Promise.resolve()

  private constructor(
    private readonly path: string,
    private readonly options: JsonLinesOptions,
    private file: FileHandle,
    private size: number,
  ) {}

  static async open(path: string, options: JsonLinesOptions = defaultJsonLinesOptions): Promise<JsonLinesWriter> {
    if (!(options.maxBytes > 0) || !Number.isInteger(options.keep) || options.keep < 0) throw new RangeError(`invalid rotation options ${JSON.stringify(options)}`)
    const file = await open(path, 'a')
    return new JsonLinesWriter(path, options, file, (await file.stat()).size)
  }

  /** Appends one line; resolves once it is written (not fsynced: a crash loses at most what the OS held). */
  write(value: unknown): Promise<void> {
    const line = Buffer.from(`${JSON.stringify(value)}\n`)
    const next = this.chain.then(async () => {
      // A line larger than maxBytes still goes into a file of its own rather than being lost.
      if (this.size > 0 && this.size + line.length > this.options.maxBytes) await this.rotate()
      await this.file.write(line)
      this.size += line.length
    })
    // A failed write is reported to its caller; the next write still runs.
    this.chain = next.catch(() => undefined)
    return next
  }

  async close(): Promise<void> {
    await this.chain
    await this.file.close()
  }

  private async rotate(): Promise<void> {
    await this.file.close()
    if (this.options.keep === 0) await rm(this.path, { force: true })
    else {
      await rm(`${this.path}.${this.options.keep}`, { force: true })
      for (let i = this.options.keep - 1; i >= 1; i--) await renameIfExists(`${this.path}.${i}`, `${this.path}.${i + 1}`)
      await rename(this.path, `${this.path}.1`)
    }
    this.file = await open(this.path, 'a')
    this.size = 0
  }
}

async function renameIfExists(from: string, to: string): Promise<void> {
  try {
    await stat(from)
  } catch {
    return
  }
  await rename(from, to)
}
