import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FILE_KINDS, fileSchemas } from '../consumer/schema.js'
import { discoveredEvent, metadataEvent } from '../sinks/fixtures.js'
import { jsonSafe, PartsReadError, QueryDb, QueryError, viewSql } from './duckdb.js'
import { writeParts } from './testParts.js'

let dir: string
let db: QueryDb | undefined

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'valtrack-query-'))
})
afterEach(async () => {
  db?.close()
  db = undefined
  await rm(dir, { recursive: true, force: true })
})

const open = async (d = dir) => (db = await QueryDb.open(d))

describe('views', () => {
  test('a missing data dir gives three empty views with the schema columns', async () => {
    const q = await open(join(dir, 'not-yet'))
    for (const file of FILE_KINDS) {
      expect((await q.query(`SELECT count(*) AS n FROM ${file}`)).rows).toEqual([{ n: 0 }])
      const cols = (await q.query(`DESCRIBE ${file}`)).rows.map((r) => r.column_name)
      expect(cols).toEqual(fileSchemas[file].map((c) => c.name))
    }
  })

  test('the empty view has the types the parts have', async () => {
    await writeParts(dir, [{ ev: discoveredEvent(1), seq: 1 }], [{ ev: metadataEvent(2), seq: 2 }])
    const withParts = await open()
    const typesOf = async (q: QueryDb, file: string) => (await q.query(`DESCRIBE ${file}`)).rows.map((r) => `${r.column_name} ${r.column_type}`)
    const real = Object.fromEntries(await Promise.all(FILE_KINDS.map(async (f) => [f, await typesOf(withParts, f)] as const)))
    withParts.close()
    db = undefined
    const empty = await open(join(dir, 'empty'))
    for (const f of FILE_KINDS) expect(await typesOf(empty, f)).toEqual(real[f])
    expect(real.metadata_events).toContain('timestamp TIMESTAMP WITH TIME ZONE')
    expect(real.metadata_events).toContain('seq_number UBIGINT')
    expect(real.metadata_events).toContain('subscribed_subnets INTEGER[]')
  })

  test('an empty directory, and one holding only a .tmp, are empty views', async () => {
    await mkdir(join(dir, 'metadata_events'), { recursive: true })
    await mkdir(join(dir, 'discovery_events'), { recursive: true })
    await writeFile(join(dir, 'discovery_events', 'discovery_events-1-1-x.parquet.tmp'), 'garbage')
    const q = await open()
    expect((await q.query('SELECT count(*) AS n FROM metadata_events')).rows).toEqual([{ n: 0 }])
    expect((await q.query('SELECT count(*) AS n FROM discovery_events')).rows).toEqual([{ n: 0 }])
  })

  test('rows of real parts, JSON-safe: integers as numbers, timestamps as ISO strings, lists as arrays', async () => {
    await writeParts(dir, [{ ev: discoveredEvent(1), seq: 1 }], [{ ev: metadataEvent(2), seq: 2 }])
    const q = await open()
    const { rows } = await q.query('SELECT stream_seq, id, seq_number, "timestamp", received_at, subscribed_subnets, syncnets FROM metadata_events')
    expect(rows).toEqual([
      {
        stream_seq: 2,
        id: '16Uiu2HAm-test-2',
        seq_number: 2,
        timestamp: new Date(1_700_000_000_002).toISOString(),
        received_at: '2023-11-14T22:15:00.000Z',
        subscribed_subnets: [0, 1, 17],
        syncnets: '0x00',
      },
    ])
    expect(JSON.parse(JSON.stringify(rows))).toEqual(rows)
    const d = await q.query('SELECT id, fork_digest, enr_problems, custody_group_count FROM discovery_events')
    expect(d.rows).toEqual([{ id: '16Uiu2HAm-test-1', fork_digest: '0x6a95a1a9', enr_problems: [], custody_group_count: 4 }])
    const v = await q.query('SELECT id, long_lived_subnets, estimated_validators, confidence, inference_basis FROM validator_metadata_events')
    expect(v.rows).toHaveLength(1)
    expect(v.rows[0]!.long_lived_subnets).toHaveLength(2)
  })

  test('a uint64 seq_number beyond 2^53 comes out as a decimal string', async () => {
    const ev = metadataEvent(3)
    ev.metadata.seq_number = '18446744073709551615' as unknown as number
    await writeParts(dir, [], [{ ev, seq: 3 }])
    const q = await open()
    expect((await q.query('SELECT seq_number FROM metadata_events')).rows).toEqual([{ seq_number: '18446744073709551615' }])
  })

  test('the union of parts of several instances; parts finalised after open are seen', async () => {
    await writeParts(dir, [], [{ ev: metadataEvent(1), seq: 1 }], 'a')
    const q = await open()
    expect((await q.query('SELECT count(*) AS n FROM metadata_events')).rows).toEqual([{ n: 1 }])
    await writeParts(dir, [{ ev: discoveredEvent(2), seq: 2 }], [{ ev: metadataEvent(3), seq: 3 }], 'b')
    expect((await q.query('SELECT list(stream_seq ORDER BY stream_seq) AS s FROM metadata_events')).rows).toEqual([{ s: [1, 3] }])
    expect((await q.query('SELECT count(*) AS n FROM discovery_events')).rows).toEqual([{ n: 1 }])
  })

  test('WITH, SHOW, SUMMARIZE and EXPLAIN are allowed', async () => {
    const q = await open()
    expect((await q.query('WITH x AS (SELECT 1 AS a) SELECT a FROM x')).rows).toEqual([{ a: 1 }])
    expect((await q.query('SHOW TABLES')).rows.map((r) => r.name)).toEqual([...FILE_KINDS].sort())
    await expect(q.query('SUMMARIZE metadata_events')).resolves.toBeDefined()
    await expect(q.query('EXPLAIN SELECT * FROM metadata_events')).resolves.toBeDefined()
  })
})

describe('read-only and errors', () => {
  test('malformed SQL is one QueryError line, and the db keeps working', async () => {
    const q = await open()
    const e = await q.query('SELEC * FROM metadata_events').catch((x: unknown) => x)
    expect(e).toBeInstanceOf(QueryError)
    expect((e as Error).message).toMatch(/^Parser Error: syntax error at or near "SELEC"/)
    expect((e as Error).message).not.toContain('\n')
    await expect(q.query('SELECT nope FROM metadata_events')).rejects.toThrow(/Binder Error.*nope/)
    expect((await q.query('SELECT 1 AS x')).rows).toEqual([{ x: 1 }])
  })

  test.each([
    ['COPY (SELECT 1) TO \'/tmp/valtrack-out.csv\'', /Permission Error/],
    ['CREATE TABLE t (x INT)', /not a CREATE statement/],
    ['SET threads = 1', /not a SET statement/],
    ['SELECT 1; SELECT 2', /exactly one SQL statement, got 2/],
    ['', /empty query/],
    [' ; ', /empty query/],
  ])('refused: %s', async (sql, msg) => {
    const q = await open()
    await expect(q.query(sql)).rejects.toThrow(msg)
  })

  test('COPY into the data dir is refused by statement type', async () => {
    const q = await open()
    await expect(q.query(`COPY (SELECT 1) TO '${dir}/x.csv'`)).rejects.toThrow(/only read-only queries .* not a COPY statement/)
  })

  test('files outside the data dir cannot be read', async () => {
    const outside = await mkdtemp(join(tmpdir(), 'valtrack-outside-'))
    try {
      await writeParts(outside, [], [{ ev: metadataEvent(1), seq: 1 }])
      const q = await open()
      await expect(q.query(`SELECT * FROM read_parquet('${outside}/metadata_events/*.parquet')`)).rejects.toThrow(/Permission Error/)
      await expect(q.query("SELECT * FROM read_csv('/etc/passwd')")).rejects.toThrow(/Permission Error/)
    } finally {
      await rm(outside, { recursive: true, force: true })
    }
  })
})

describe('parts written by PartWriter', () => {
  test('an unreadable part fails the queries naming its file with one PartsReadError line, not the opening nor other files', async () => {
    await mkdir(join(dir, 'metadata_events'), { recursive: true })
    await writeFile(join(dir, 'metadata_events', 'metadata_events-1-1-x.parquet'), 'not parquet')
    await writeParts(dir, [{ ev: discoveredEvent(1), seq: 1 }], [])
    const q = await open()
    expect((await q.query('SELECT count(*) AS n FROM discovery_events')).rows).toEqual([{ n: 1 }])
    const e = await q.query('SELECT count(*) FROM Metadata_Events').catch((x: unknown) => x)
    expect(e).toBeInstanceOf(PartsReadError)
    expect((e as Error).message).toMatch(/^cannot read the parts of metadata_events: /)
    expect((e as Error).message).not.toContain('\n')
  })

  test("the PartWriter's parts of every file are read, seq_number as UBIGINT", async () => {
    await writeParts(dir, [{ ev: discoveredEvent(1), seq: 1 }], [{ ev: metadataEvent(2), seq: 2 }], 'pw')
    const q = await open()
    expect((await q.query('SELECT stream_seq, id FROM discovery_events')).rows).toEqual([{ stream_seq: 1, id: '16Uiu2HAm-test-1' }])
    expect((await q.query('SELECT stream_seq FROM metadata_events')).rows).toEqual([{ stream_seq: 2 }])
    expect((await q.query('SELECT stream_seq FROM validator_metadata_events')).rows).toEqual([{ stream_seq: 2 }])
    expect((await q.query("SELECT data_type FROM information_schema.columns WHERE table_name = 'metadata_events' AND column_name = 'seq_number'")).rows).toEqual([{ data_type: 'UBIGINT' }])
  })
})

describe('pure parts', () => {
  test('jsonSafe', () => {
    expect(jsonSafe(5n)).toBe(5)
    expect(jsonSafe(2n ** 53n)).toBe('9007199254740992')
    expect(jsonSafe(-(2n ** 60n))).toBe('-1152921504606846976')
    expect(jsonSafe(new Date(0))).toBe('1970-01-01T00:00:00.000Z')
    expect(jsonSafe(new Uint8Array([1, 255]))).toBe('0x01ff')
    expect(jsonSafe({ a: [1n, null, NaN] })).toEqual({ a: [1, null, 'NaN'] })
  })

  test('viewSql quotes the data dir', () => {
    expect(viewSql("/d/it's", 'metadata_events', true)).toContain("read_parquet('/d/it''s/metadata_events/*.parquet', union_by_name = true)")
    expect(viewSql('/d', 'discovery_events', false)).toMatch(/CAST\(NULL AS VARCHAR\[\]\) AS "enr_problems".* WHERE false$/)
  })
})
