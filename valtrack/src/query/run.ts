/**
 * `valtrack query` and `valtrack api` (docs/queries.md). A query that DuckDB rejects, or that is not read-only,
 * is one line on stderr and exit code 2; an I/O failure is exit code 1.
 */
import { stopSignal } from '../shutdown.js'
import type { ApiOptions, GlobalOptions, QueryFormat, QueryOptions } from '../cli.js'
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

/** Serves until SIGINT or SIGTERM; the exit code. The token is never printed. */
export async function runApi(_global: GlobalOptions, options: ApiOptions, env: Record<string, string | undefined> = process.env, stderr: Out = process.stderr): Promise<number> {
  let token: string | undefined
  try {
    token = await loadApiToken(options.tokenFile, env)
  } catch (e) {
    if (!(e instanceof TokenError)) throw e
    stderr.write(`valtrack api: ${e.message}\n`)
    return 2
  }
  const db = await QueryDb.open(options.dataDir)
  let server
  try {
    server = await startApiServer({ listen: options.listen, db, token, log: (l) => stderr.write(`valtrack api: ${l}\n`) })
  } catch (e) {
    db.close()
    stderr.write(`valtrack api: cannot listen on ${options.listen.host}:${options.listen.port}: ${(e as Error).message}\n`)
    return 1
  }
  stderr.write(`valtrack api: listening on ${options.listen.host}:${server.port} over ${db.dataDir} (bearer token ${token === undefined ? 'not required' : 'required'})\n`)
  await stopSignal()
  await server.close()
  db.close()
  return 0
}
