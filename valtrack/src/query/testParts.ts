/**
 * Test helper: real parquet parts from real-looking events, built with the consumer's row builders and schema
 * (consumer/schema.ts), named and laid out as PartWriter lays them out.
 *
 * `writer: 'PartWriter'` writes through the consumer's PartWriter itself. The default, `'direct'`, encodes the
 * same schema and column data with hyparquet-writer directly, except that the UINT64 column (`seq_number`) keeps
 * only its converted type UINT_64 and drops the logical type INTEGER(64, unsigned): hyparquet-writer 0.17.0
 * writes IntType.bitWidth as a Thrift i32 where the format says i8, and DuckDB (like any strict Thrift reader)
 * rejects such a footer ("TProtocolException: Invalid data"). duckdb.test.ts has a canary for that.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parquetWriteBuffer, type SchemaElement } from 'hyparquet-writer'
import { PartWriter } from '../consumer/parts.js'
import { columnDataOf, discoveryRow, type FileKind, fileSchemas, metadataRow, PARQUET_SCHEMA_VERSION, parquetSchemaOf, validatorRow } from '../consumer/schema.js'
import type { MetadataReceivedEvent, PeerDiscoveredEvent } from '../events.js'

export type Seqd<E> = { ev: E; seq: number }
export type PartEncoder = 'direct' | 'PartWriter'

const RECEIVED_AT = 1_700_000_100_000

/** The schema without the INTEGER logical type hyparquet-writer 0.17.0 mis-encodes. */
const readableSchema = (file: FileKind): SchemaElement[] =>
  parquetSchemaOf(fileSchemas[file]).map((e) => {
    if (e.logical_type?.type !== 'INTEGER') return e
    const { logical_type: _, ...rest } = e
    return rest
  })

async function writePart(dataDir: string, file: FileKind, rows: { stream_seq: number }[], instanceId: string, encoder: PartEncoder): Promise<void> {
  if (rows.length === 0) return
  if (encoder === 'PartWriter') {
    const w = await PartWriter.open({ dataDir, file, instanceId })
    for (const r of rows) w.append(r as never)
    await w.flush()
    return
  }
  const seqs = rows.map((r) => r.stream_seq)
  const dir = join(dataDir, file)
  await mkdir(dir, { recursive: true })
  const bytes = parquetWriteBuffer({
    schema: readableSchema(file),
    columnData: columnDataOf(fileSchemas[file], rows),
    kvMetadata: [
      { key: 'valtrack.schema_version', value: String(PARQUET_SCHEMA_VERSION) },
      { key: 'valtrack.file', value: file },
    ],
    createdBy: 'valtrack',
  })
  await writeFile(join(dir, `${file}-${Math.min(...seqs)}-${Math.max(...seqs)}-${instanceId}.parquet`), new Uint8Array(bytes))
}

/** Writes one part per kind: the discovery events, and the metadata events (to both metadata files). */
export async function writeParts(
  dataDir: string,
  discovered: Seqd<PeerDiscoveredEvent>[],
  metadata: Seqd<MetadataReceivedEvent>[],
  instanceId = 'test',
  encoder: PartEncoder = 'direct',
): Promise<void> {
  await writePart(dataDir, 'discovery_events', discovered.map(({ ev, seq }) => discoveryRow(ev, seq, RECEIVED_AT)), instanceId, encoder)
  await writePart(dataDir, 'metadata_events', metadata.map(({ ev, seq }) => metadataRow(ev, seq, RECEIVED_AT)), instanceId, encoder)
  await writePart(dataDir, 'validator_metadata_events', metadata.map(({ ev, seq }) => validatorRow(ev, seq, RECEIVED_AT)), instanceId, encoder)
}
