import { inferFromEvent } from '../inference/validators.js'
import { readFileSync } from 'node:fs'
import { parquetMetadata, parquetReadObjects } from 'hyparquet'
import { parquetWriteBuffer } from 'hyparquet-writer'
import { validateEvent } from '../events.js'
import { discoveredEvent, metadataEvent } from '../sinks/fixtures.js'
import {
  columnDataOf,
  discoveryColumns,
  discoveryRow,
  fileSchemas,
  metadataColumns,
  metadataRow,
  PARQUET_SCHEMA_VERSION,
  parquetSchemaOf,
  parquetTypeOf,
  upstreamColumns,
  validatorMetadataColumns,
  validatorRow,
  type ColumnDef,
  type ValidatorMetadataRow,
} from './schema.js'

const roundTrip = async (columns: readonly ColumnDef[], rows: object[]) => {
  const file = parquetWriteBuffer({ schema: parquetSchemaOf(columns), columnData: columnDataOf(columns, rows) })
  return { file, rows: await parquetReadObjects({ file }) }
}

describe('parquet schema', () => {
  test('row builders are pure and keep the event field names, flattening metadata and protocols', () => {
    const ev = metadataEvent(3)
    expect(validateEvent('metadata_received', ev)).toEqual([])
    const before = JSON.stringify(ev)
    const row = metadataRow(ev, 42, 1_700_000_001_000)
    expect(JSON.stringify(ev)).toBe(before)
    expect(row).toMatchObject({
      schema_version: PARQUET_SCHEMA_VERSION,
      stream_seq: 42,
      received_at: 1_700_000_001_000,
      seq_number: 3n,
      attnets: '0x0000000000000003',
      syncnets: '0x00',
      status_protocol: 'status/2',
      metadata_protocol: 'metadata/3',
    })
    // Every column is a field of the row and every field a column.
    expect(Object.keys(row).sort()).toEqual(metadataColumns.map((c) => c.name).sort())
    const d = discoveryRow(discoveredEvent(1), 7, 1)
    expect(Object.keys(d).sort()).toEqual(discoveryColumns.map((c) => c.name).sort())
    expect(row.subscribed_subnets).not.toBe(ev.subscribed_subnets)
  })

  test('names compatible with the original where they overlap; no duplicate column names', () => {
    // Upstream's ValidatorEvent columns (types/types.go).
    const upstream = ['enr', 'id', 'multiaddr', 'epoch', 'seq_number', 'attnets', 'syncnets', 'long_lived_subnets', 'subscribed_subnets', 'client_version', 'crawler_id', 'crawler_location', 'timestamp']
    const names = validatorMetadataColumns.map((c) => c.name)
    for (const n of upstream) expect(names).toContain(n)
    for (const cols of Object.values(fileSchemas)) expect(new Set(cols.map((c) => c.name)).size).toBe(cols.length)
  })

  test('metadata_events: real types, nulls, lists, hex, uint64 above 2^63', async () => {
    const a = metadataRow(metadataEvent(1), 10, 1_700_000_000_500)
    const b = metadataRow({ ...metadataEvent(2), metadata: { seq_number: '18446744073709551615', attnets: '0xffffffffffffffff', syncnets: null }, custody_group_count: null, subscribed_subnets: [] }, 11, 1_700_000_000_600)
    const { file, rows } = await roundTrip(metadataColumns, [a, b])
    expect(rows[0]).toMatchObject({
      stream_seq: 10n,
      schema_version: 1,
      received_at: new Date(1_700_000_000_500),
      timestamp: new Date(1_700_000_000_001),
      epoch: 100n,
      head_slot: 3200n,
      seq_number: 1n,
      attnets: '0x0000000000000003',
      syncnets: '0x00',
      subscribed_subnets: [0, 1, 17],
      custody_group_count: 4,
      handshake_latency_ms: 42,
      direction: 'outbound',
    })
    expect(rows[1]).toMatchObject({ seq_number: 18446744073709551615n, attnets: '0xffffffffffffffff', syncnets: null, custody_group_count: null, subscribed_subnets: [] })
    const schema = parquetMetadata(file).schema
    const el = (n: string) => schema.find((e) => e.name === n)!
    expect(el('timestamp')).toMatchObject({ type: 'INT64', converted_type: 'TIMESTAMP_MILLIS', repetition_type: 'REQUIRED' })
    expect(el('stream_seq')).toMatchObject({ type: 'INT64', repetition_type: 'REQUIRED' })
    expect(el('seq_number')).toMatchObject({ type: 'INT64', converted_type: 'UINT_64' })
    expect(el('subscribed_subnets')).toMatchObject({ converted_type: 'LIST' })
    expect(el('syncnets')).toMatchObject({ type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' })
    expect(el('custody_group_count')).toMatchObject({ type: 'INT32', repetition_type: 'OPTIONAL' })
    // Never the original's `<uint8 Value>`.
    for (const r of rows) expect(String(r.attnets)).toMatch(/^0x[0-9a-f]{16}$/)
  })

  test('discovery_events: optional hex and cgc, string lists', async () => {
    const a = discoveryRow(discoveredEvent(1), 1, 5)
    const b = discoveryRow({ ...discoveredEvent(2), fork_digest: null, attnets: null, syncnets: null, custody_group_count: null, enr_problems: ['attnets: expected 8 bytes, got 7'] }, 2, 6)
    const { rows } = await roundTrip(discoveryColumns, [a, b])
    expect(rows[0]).toMatchObject({ stream_seq: 1n, port: 9000, fork_digest: '0x6a95a1a9', attnets: '0x0000000000000003', custody_group_count: 4, enr_problems: [], received_at: new Date(5) })
    expect(rows[1]).toMatchObject({ fork_digest: null, attnets: null, syncnets: null, custody_group_count: null, enr_problems: ['attnets: expected 8 bytes, got 7'] })
  })

  test('validator_metadata_events round-trips', async () => {
    const v: ValidatorMetadataRow = {
      schema_version: 1,
      stream_seq: 9,
      received_at: 1,
      enr: 'enr:-x',
      id: 'peer',
      node_id: '00'.repeat(32),
      multiaddr: '/ip4/192.0.2.1/tcp/9000',
      epoch: 5,
      seq_number: 2n,
      attnets: '0x0000000000000003',
      syncnets: null,
      long_lived_subnets: [0, 1],
      short_lived_subnets: [17],
      subscribed_subnets: [0, 1, 17],
      attnets_check: 'match',
      estimated_validators: 1,
      confidence: 0.5,
      inference_basis: 'match',
      client_version: 'Prysm',
      crawler_id: 'c',
      crawler_location: 'l',
      timestamp: 2,
    }
    const unknown: ValidatorMetadataRow = { ...v, stream_seq: 10, attnets: '0xffffffffffffffff', attnets_check: 'all', estimated_validators: null, confidence: 0, inference_basis: 'subscribe_all' }
    const { rows } = await roundTrip(validatorMetadataColumns, [v, unknown])
    expect(rows[0]).toMatchObject({ long_lived_subnets: [0, 1], short_lived_subnets: [17], confidence: 0.5, estimated_validators: 1, syncnets: null, timestamp: new Date(2) })
    expect(rows[1]).toMatchObject({ attnets_check: 'all', estimated_validators: null, confidence: 0, inference_basis: 'subscribe_all' })
  })

  test('validatorRow: the metadata event with the inference of inference/validators.ts', () => {
    const ev = metadataEvent(3)
    const inf = inferFromEvent(ev)
    const row = validatorRow(ev, 3, 7)
    expect(row).toMatchObject({ stream_seq: 3, received_at: 7, id: ev.id, node_id: ev.node_id, seq_number: BigInt(ev.metadata.seq_number) })
    expect(row).toMatchObject({ long_lived_subnets: inf.long_lived_subnets, short_lived_subnets: inf.short_lived_subnets, attnets_check: inf.attnets_check, estimated_validators: inf.estimated_validators, confidence: inf.confidence, inference_basis: inf.basis })
    expect(Object.keys(row).sort()).toEqual(validatorMetadataColumns.map((c) => c.name).sort())
  })

  test('a null in a required column is refused before encoding', () => {
    const row = { ...metadataRow(metadataEvent(1), 1, 1), attnets: null }
    expect(() => columnDataOf(metadataColumns, [row])).toThrow(/attnets/)
  })

  test('docs/parquet-schema.md documents exactly these columns, types, nullability and overlaps', () => {
    const doc = readFileSync(new URL('../../docs/parquet-schema.md', import.meta.url), 'utf8')
    expect(doc).toContain(`(schema version ${PARQUET_SCHEMA_VERSION})`)
    for (const [file, cols] of Object.entries(fileSchemas)) {
      const section = doc.split(`### \`${file}\``)[1]!.split('### ')[0]!
      const rows = section
        .split('\n')
        .filter((l) => l.startsWith('| `'))
        .map((l) => l.split('|').map((c) => c.trim()).slice(1, 5))
      const upstream = upstreamColumns[file as keyof typeof upstreamColumns]
      expect(rows).toEqual(cols.map((c) => [`\`${c.name}\``, parquetTypeOf(c.kind), c.optional ? 'yes' : 'no', upstream.includes(c.name) ? 'yes' : '']))
      for (const u of upstream) expect(cols.map((c) => c.name)).toContain(u)
    }
  })
})
