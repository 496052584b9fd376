/**
 * `valtrack query` and `valtrack api` (docs/queries.md), and the API's start-up that `valtrack consumer --api`
 * shares. A query that DuckDB rejects, or that is not read-only, is one line on stderr and exit code 2; an I/O
 * failure is exit code 1.
 */
import type { ApiOptions, GlobalOptions, HostPort, QueryFormat, QueryOptions } from '../cli.js'
import { stopSignal } from '../shutdown.js'
import { loadApiToken, startApiServer, TokenError } from './api.js'
import { type JsonValue, QueryDb, QueryError, type QueryResult } from './duckdb.js'

const cell = (v: JsonValue): string => (v === null ? 'NULL' : typeof v === 'object' ? JSON.stringify(v) : String(v))

/** Pure: a result as `json` (one JSON array, a row object per line) or `table` (aligned columns, a row count). */
export function formatResult(result: QueryResult, format: QueryFormat): string {
  if (format === 'json') return result.rows.length === 0 ? '[]\n' : `[\n${result.rows.map((r) => JSON.stringify(r)).join(',\n')}\n]\n`
  const cells = result.rows.map((r) => result.columns.map((c) => cell(r[c] ?? null).replace(/\n/g, '\\n')))
  const widths = result.columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i]!.length)))
  const line = (vals: string[]) => vals.map((v, i) => v.padEnd(widths[i]!)).join(' | ').trimEnd()
  const rows = [line(result.columns), widths.map((w) => '-'.repeat(w)).join('-+-'), ...cells.map(line)]
  return `${rows.join('\n')}\n(${result.rows.length} row${result.rows.length === 1 ? '' : 's'})\n`
}

type Out = { write(s: string): unknown }

export async function runQuery(options: QueryOptions, stdout: Out = process.stdout, stderr: Out = process.stderr): Promise<number> {
  let db: QueryDb
  try {
    db = await QueryDb.open(options.dataDir)
  } catch (e) {
    stderr.write(`valtrack query: cannot open the data dir ${options.dataDir}: ${(e as Error).message}\n`)
    return 1
  }
  try {
    stdout.write(formatResult(await db.query(options.sql), options.format))
    return 0
  } catch (e) {
    stderr.write(`valtrack query: ${(e as Error).message.split('\n')[0]}\n`)
    return e instanceof QueryError ? 2 : 1
  } finally {
    db.close()
  }
}

export type ServeApiOptions = { listen: HostPort; dataDir: string; tokenFile: string | undefined }

export type ServingApi = { ok: true; port: number; /** Resolved. */ dataDir: string; tokenRequired: boolean; close(): Promise<void> }
export type ApiStartFailure = { ok: false; exitCode: 1 | 2; message: string }

/**
 * What `valtrack api` and `valtrack consumer --api` share: the token (a bad one is exit 2), the DuckDB over
 * the data dir, the server (a listen failure is exit 1). Failures are one line, never with the token. `flag`
 * names the listen address's flag in the message.
 */
export async function serveApi(opts: ServeApiOptions, env: Record<string, string | undefined>, flag: string, log: (line: string) => void): Promise<ServingApi | ApiStartFailure> {
  let token: string | undefined
  try {
    token = await loadApiToken(opts.tokenFile, env)
  } catch (e) {
    if (!(e instanceof TokenError)) throw e
    return { ok: false, exitCode: 2, message: e.message }
  }
  const db = await QueryDb.open(opts.dataDir)
  let server
  try {
    server = await startApiServer({ listen: opts.listen, db, token, log })
  } catch (e) {
    db.close()
    return { ok: false, exitCode: 1, message: `cannot listen on ${flag} ${opts.listen.host}:${opts.listen.port}: ${(e as Error).message}` }
  }
  const close = async () => {
    await server.close()
    db.close()
  }
  return { ok: true, port: server.port, dataDir: db.dataDir, tokenRequired: token !== undefined, close }
}

/** Serves until SIGINT or SIGTERM; the exit code. The token is never printed. */
export async function runApi(_global: GlobalOptions, options: ApiOptions, env: Record<string, string | undefined> = process.env, stderr: Out = process.stderr): Promise<number> {
  const api = await serveApi(options, env, '--listen', (l) => stderr.write(`valtrack api: ${l}\n`))
  if (!api.ok) {
    stderr.write(`valtrack api: ${api.message}\n`)
    return api.exitCode
  }
  stderr.write(`valtrack api: listening on ${options.listen.host}:${api.port} over ${api.dataDir} (bearer token ${api.tokenRequired ? 'required' : 'not required'})\n`)
  await stopSignal()
  await api.close()
  return 0
}
