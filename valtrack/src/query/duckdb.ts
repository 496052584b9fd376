/**
 * SQL over the consumer's parquet files (docs/parquet-schema.md) with an in-memory DuckDB: views
 * `discovery_events`, `metadata_events` and `validator_metadata_events`, each the union of the file's finalised
 * parts (`read_parquet('<dataDir>/<file>/*.parquet', union_by_name=true)`; `*.parquet.tmp` never matches). A file
 * with no part yet (missing or empty directory) is an empty view with the schema's columns (consumer/schema.ts),
 * not an error. The views are re-created before every query, so parts finalised meanwhile are seen.
 *
 * Read-only, twice over: a query must be one statement of DuckDB's SELECT type (SELECT, WITH, VALUES, DESCRIBE,
 * SHOW, SUMMARIZE, FROM-first, PRAGMA of the read-only kind) or EXPLAIN; anything else (COPY, CREATE, SET, ATTACH,
 * INSTALL, several statements) is refused before it runs. And the database itself runs with
 * `enable_external_access=false`, `allowed_directories=[<dataDir>/]` and `lock_configuration=true`: no file outside
 * the data dir can be read, no extension installed, and no setting changed.
 *
 * Results are JSON-safe (`jsonSafe`): BIGINT/UBIGINT/HUGEINT as a number when within ±2^53-1, else a decimal
 * string; timestamps as ISO-8601 strings in UTC (`2023-11-14T22:13:20.001Z`, millisecond precision); dates as
 * ISO strings; blobs as 0x-hex; lists and structs recursively; NaN/Infinity as strings.
 */
import { readdir } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { DuckDBConnection, DuckDBInstance, StatementType } from '@duckdb/node-api'
import { type ColumnKind, FILE_KINDS, type FileKind, fileSchemas } from '../consumer/schema.js'

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue }
export type Row = Record<string, JsonValue>

/** A query refused or failed: bad SQL, a statement that is not read-only, a missing column... One line. */
export class QueryError extends Error {
  override name = 'QueryError'
}

/** A file's parts could not be read (a corrupt or unreadable part): not the query's fault. One line. */
export class PartsReadError extends Error {
  override name = 'PartsReadError'
}

const duckTypes: Record<ColumnKind, string> = {
  string: 'VARCHAR',
  int32: 'INTEGER',
  int64: 'BIGINT',
  uint64: 'UBIGINT',
  timestamp_ms: 'TIMESTAMP WITH TIME ZONE',
  double: 'DOUBLE',
  int32_list: 'INTEGER[]',
  string_list: 'VARCHAR[]',
}

/** Pure: a SQL string literal. */
export const sqlString = (s: string): string => `'${s.replaceAll("'", "''")}'`

/** Pure: a SQL identifier. */
export const sqlIdent = (s: string): string => `"${s.replaceAll('"', '""')}"`

/** Pure: the view over a file's parts, or (no parts) an empty view with the schema's columns and types. */
export function viewSql(dataDir: string, file: FileKind, hasParts: boolean): string {
  if (hasParts) {
    const glob = join(resolve(dataDir), file, '*.parquet')
    return `CREATE OR REPLACE VIEW ${sqlIdent(file)} AS SELECT * FROM read_parquet(${sqlString(glob)}, union_by_name = true)`
  }
  const cols = fileSchemas[file].map((c) => `CAST(NULL AS ${duckTypes[c.kind]}) AS ${sqlIdent(c.name)}`)
  return `CREATE OR REPLACE VIEW ${sqlIdent(file)} AS SELECT ${cols.join(', ')} WHERE false`
}

async function hasParts(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).some((n) => n.endsWith('.parquet'))
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT' || (e as { code?: string }).code === 'ENOTDIR') return false
    throw e
  }
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER)

/** Pure: a value of DuckDB's JS conversion, JSON-safe (see the module comment). */
export function jsonSafe(v: unknown): JsonValue {
  if (v === null || v === undefined) return null
  if (typeof v === 'bigint') return v <= MAX_SAFE && v >= -MAX_SAFE ? Number(v) : v.toString()
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v)
  if (typeof v === 'string' || typeof v === 'boolean') return v
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString()
  if (v instanceof Uint8Array) return `0x${Buffer.from(v).toString('hex')}`
  if (Array.isArray(v)) return v.map(jsonSafe)
  if (typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, jsonSafe(x)]))
  return String(v)
}

const oneLine = (e: unknown): string => (e instanceof Error ? e.message : String(e)).replace(/\s*\n+\s*/g, ' ').trim()

const allowedTypes = new Set<StatementType>([StatementType.SELECT, StatementType.EXPLAIN])

export type QueryResult = { columns: string[]; rows: Row[] }

export class QueryDb {
  private queue: Promise<unknown> = Promise.resolve()

  private constructor(
    readonly dataDir: string,
    private readonly instance: DuckDBInstance,
    private readonly conn: DuckDBConnection,
  ) {}

  /** An in-memory DuckDB reading only `dataDir` (which need not exist yet). */
  static async open(dataDir: string): Promise<QueryDb> {
    const dir = resolve(dataDir)
    const instance = await DuckDBInstance.create(':memory:')
    const conn = await instance.connect()
    const db = new QueryDb(dir, instance, conn)
    try {
      // Empty views first: a part that cannot be read fails the queries (PartsReadError), not the opening.
      for (const file of FILE_KINDS) await conn.run(viewSql(dir, file, false))
      await conn.run(`SET allowed_directories = [${sqlString(`${dir}/`)}]`)
      await conn.run('SET enable_external_access = false')
      await conn.run('SET autoinstall_known_extensions = false')
      await conn.run('SET autoload_known_extensions = false')
      await conn.run('SET lock_configuration = true')
    } catch (e) {
      db.close()
      throw e
    }
    return db
  }

  /**
   * Re-creates the views. A file whose parts cannot be read fails the query only if the query names it (the
   * view is left empty otherwise), so one corrupt file does not hide the others.
   */
  private async refreshViews(sql: string): Promise<void> {
    for (const file of FILE_KINDS) {
      try {
        await this.conn.run(viewSql(this.dataDir, file, await hasParts(join(this.dataDir, file))))
      } catch (e) {
        await this.conn.run(viewSql(this.dataDir, file, false))
        if (sql.toLowerCase().includes(file)) throw new PartsReadError(`cannot read the parts of ${file}: ${oneLine(e).split(' LINE 1:')[0]}`, { cause: e })
      }
    }
  }

  /** Runs one read-only statement; QueryError on bad or refused SQL. Queries run one at a time. */
  query(sql: string): Promise<QueryResult> {
    const run = this.queue.then(() => this.run(sql))
    this.queue = run.catch(() => undefined)
    return run
  }

  private async run(sql: string): Promise<QueryResult> {
    if (sql.trim().replace(/;+$/, '').trim() === '') throw new QueryError('empty query: expected one SQL statement')
    await this.refreshViews(sql)
    let reader
    try {
      const extracted = await this.conn.extractStatements(sql)
      if (extracted.count !== 1) throw new QueryError(`expected exactly one SQL statement, got ${extracted.count}`)
      const prepared = await extracted.prepare(0)
      if (!allowedTypes.has(prepared.statementType)) {
        throw new QueryError(`only read-only queries are allowed (SELECT, WITH, DESCRIBE, SHOW, SUMMARIZE, EXPLAIN), not a ${StatementType[prepared.statementType]} statement`)
      }
      reader = await prepared.runAndReadAll()
    } catch (e) {
      if (e instanceof QueryError) throw e
      // DuckDB's "LINE 1: <sql> ^" pointer means nothing on one line: dropped.
      throw new QueryError(oneLine(e).replace(/^Failed to extract statements: /, '').replace(/ LINE \d+: .*$/, ''), { cause: e })
    }
    const columns = reader.deduplicatedColumnNames()
    const rows = reader.getRowsJS().map((r) => Object.fromEntries(columns.map((c, i) => [c, jsonSafe(r[i])])))
    return { columns, rows }
  }

  close(): void {
    this.conn.closeSync()
    this.instance.closeSync()
  }
}
