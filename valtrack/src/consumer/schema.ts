/**
 * The consumer's parquet files, versioned (docs/parquet-schema.md documents them): `discovery_events` (from
 * peer_discovered), `metadata_events` (from metadata_received) and `validator_metadata_events` (filled by the
 * inference). Column names are the event's field names (the original's where they overlap), with the nested
 * `metadata.*` flattened to `seq_number`, `attnets`, `syncnets` and `protocols.*` to `status_protocol`,
 * `metadata_protocol`; every file adds `schema_version`, `stream_seq` (the JetStream stream sequence, the key
 * that deduplicates redeliveries) and `received_at`. Real types: timestamps are TIMESTAMP(MILLIS), subnets
 * LIST<INT32>, bitfields 0x-hex strings, nullable fields OPTIONAL. Row builders are pure.
 */
import { inferFromEvent } from '../inference/validators.js'
import type { ColumnSource, SchemaElement } from 'hyparquet-writer'
import type { MetadataReceivedEvent, PeerDiscoveredEvent } from '../events.js'

/** Version of the parquet layout (the `schema_version` column and the `valtrack.schema_version` key). */
export const PARQUET_SCHEMA_VERSION = 1

export type ColumnKind = 'string' | 'int32' | 'int64' | 'uint64' | 'timestamp_ms' | 'double' | 'int32_list' | 'string_list'

export type ColumnDef = { name: string; kind: ColumnKind; optional?: boolean; doc: string }

/** Columns every file starts with. */
const common: ColumnDef[] = [
  { name: 'schema_version', kind: 'int32', doc: `parquet schema version, ${PARQUET_SCHEMA_VERSION}` },
  { name: 'stream_seq', kind: 'int64', doc: 'JetStream stream sequence of the message (unique; deduplicates redeliveries)' },
  { name: 'received_at', kind: 'timestamp_ms', doc: "consumer's clock when the message was received" },
]

export const discoveryColumns: readonly ColumnDef[] = [
  ...common,
  { name: 'enr', kind: 'string', doc: 'the record, `enr:...`' },
  { name: 'id', kind: 'string', doc: 'libp2p peer id' },
  { name: 'node_id', kind: 'string', doc: 'discv5 node id, 64 hex digits' },
  { name: 'ip', kind: 'string', doc: 'IPv4, else IPv6, else ""' },
  { name: 'port', kind: 'int32', doc: 'TCP port, 0 if none' },
  { name: 'fork_digest', kind: 'string', optional: true, doc: "hex, from the ENR's eth2" },
  { name: 'attnets', kind: 'string', optional: true, doc: 'hex bitfield from the ENR' },
  { name: 'syncnets', kind: 'string', optional: true, doc: 'hex bitfield from the ENR' },
  { name: 'custody_group_count', kind: 'int32', optional: true, doc: "the ENR's cgc" },
  { name: 'enr_problems', kind: 'string_list', doc: 'keys present but malformed, "key: reason"' },
  { name: 'crawler_id', kind: 'string', doc: 'the sentry that saw the peer' },
  { name: 'crawler_location', kind: 'string', doc: "the sentry's location label" },
  { name: 'timestamp', kind: 'timestamp_ms', doc: "the sentry's clock at discovery" },
]

export const metadataColumns: readonly ColumnDef[] = [
  ...common,
  { name: 'enr', kind: 'string', doc: 'the record' },
  { name: 'id', kind: 'string', doc: 'libp2p peer id' },
  { name: 'node_id', kind: 'string', doc: 'discv5 node id' },
  { name: 'multiaddr', kind: 'string', doc: "the address dialed (or the inbound peer's)" },
  { name: 'epoch', kind: 'int64', doc: "epoch at the sentry's clock" },
  { name: 'seq_number', kind: 'uint64', doc: 'metadata.seq_number (INT64 annotated UINT_64)' },
  { name: 'attnets', kind: 'string', doc: 'metadata.attnets, hex, 8 bytes' },
  { name: 'syncnets', kind: 'string', optional: true, doc: 'metadata.syncnets, hex; null from metadata/1' },
  { name: 'subscribed_subnets', kind: 'int32_list', doc: 'attestation subnets subscribed over gossipsub, sorted' },
  { name: 'client_version', kind: 'string', doc: 'identify agent version' },
  { name: 'fork_digest', kind: 'string', doc: 'hex, from Status' },
  { name: 'head_slot', kind: 'int64', doc: 'from Status' },
  { name: 'finalized_epoch', kind: 'int64', doc: 'from Status' },
  { name: 'custody_group_count', kind: 'int32', optional: true, doc: 'from metadata/3' },
  { name: 'status_protocol', kind: 'string', doc: 'protocols.status, e.g. "status/2"' },
  { name: 'metadata_protocol', kind: 'string', doc: 'protocols.metadata, e.g. "metadata/3"' },
  { name: 'direction', kind: 'string', doc: '"outbound" or "inbound"' },
  { name: 'handshake_latency_ms', kind: 'int32', doc: 'dial start to MetaData received' },
  { name: 'crawler_id', kind: 'string', doc: 'the sentry that saw the peer' },
  { name: 'crawler_location', kind: 'string', doc: "the sentry's location label" },
  { name: 'timestamp', kind: 'timestamp_ms', doc: "the sentry's clock at the handshake" },
]

export const validatorMetadataColumns: readonly ColumnDef[] = [
  ...common,
  { name: 'enr', kind: 'string', doc: 'the record' },
  { name: 'id', kind: 'string', doc: 'libp2p peer id' },
  { name: 'node_id', kind: 'string', doc: 'discv5 node id' },
  { name: 'multiaddr', kind: 'string', doc: 'as in metadata_events' },
  { name: 'epoch', kind: 'int64', doc: 'as in metadata_events' },
  { name: 'seq_number', kind: 'uint64', doc: 'as in metadata_events' },
  { name: 'attnets', kind: 'string', doc: 'hex, as in metadata_events' },
  { name: 'syncnets', kind: 'string', optional: true, doc: 'hex, as in metadata_events' },
  { name: 'long_lived_subnets', kind: 'int32_list', doc: 'compute_subscribed_subnets(node_id, epoch)' },
  { name: 'short_lived_subnets', kind: 'int32_list', doc: 'subscribed subnets that are not long-lived' },
  { name: 'subscribed_subnets', kind: 'int32_list', doc: 'as in metadata_events' },
  { name: 'attnets_check', kind: 'string', optional: true, doc: 'how metadata attnets compare with the long-lived subnets (match, all, superset, differs); null when the node id or attnets are malformed' },
  { name: 'estimated_validators', kind: 'int32', optional: true, doc: 'estimated validators hosted (a lower bound: distinct short-lived subnets); null when unknown (e.g. a subscribe-all node)' },
  { name: 'confidence', kind: 'double', doc: 'confidence of the estimate, 0..1' },
  { name: 'inference_basis', kind: 'string', doc: 'why the estimate is what it is (inference/validators.ts)' },
  { name: 'client_version', kind: 'string', doc: 'identify agent version' },
  { name: 'crawler_id', kind: 'string', doc: 'the sentry that saw the peer' },
  { name: 'crawler_location', kind: 'string', doc: "the sentry's location label" },
  { name: 'timestamp', kind: 'timestamp_ms', doc: 'timestamp of the metadata event' },
]

export const fileSchemas = {
  discovery_events: discoveryColumns,
  metadata_events: metadataColumns,
  validator_metadata_events: validatorMetadataColumns,
} as const

export type FileKind = keyof typeof fileSchemas
export const FILE_KINDS = Object.keys(fileSchemas) as FileKind[]

type Common = { schema_version: number; stream_seq: number; received_at: number }

export type DiscoveryRow = Common & {
  enr: string
  id: string
  node_id: string
  ip: string
  port: number
  fork_digest: string | null
  attnets: string | null
  syncnets: string | null
  custody_group_count: number | null
  enr_problems: string[]
  crawler_id: string
  crawler_location: string
  /** Unix ms. */
  timestamp: number
}

export type MetadataRow = Common & {
  enr: string
  id: string
  node_id: string
  multiaddr: string
  epoch: number
  seq_number: bigint
  attnets: string
  syncnets: string | null
  subscribed_subnets: number[]
  client_version: string
  fork_digest: string
  head_slot: number
  finalized_epoch: number
  custody_group_count: number | null
  status_protocol: string
  metadata_protocol: string
  direction: string
  handshake_latency_ms: number
  crawler_id: string
  crawler_location: string
  timestamp: number
}

/** A `validator_metadata_events` row; the inference module builds these. */
export interface ValidatorMetadataRow extends Common {
  enr: string
  id: string
  node_id: string
  multiaddr: string
  epoch: number
  seq_number: bigint
  attnets: string
  syncnets: string | null
  long_lived_subnets: number[]
  short_lived_subnets: number[]
  subscribed_subnets: number[]
  attnets_check: string | null
  estimated_validators: number | null
  confidence: number
  inference_basis: string
  client_version: string
  crawler_id: string
  crawler_location: string
  timestamp: number
}

export type RowOf<K extends FileKind> = K extends 'discovery_events'
  ? DiscoveryRow
  : K extends 'metadata_events'
    ? MetadataRow
    : ValidatorMetadataRow

// The builders spell the common columns out in each literal: `{ ...common, more }` gave every row a hidden
// class of its own in V8 (25 µs a row instead of 0.4 µs, megamorphic reads in columnDataOf, and the GC's work).

/** Pure: the discovery_events row of a validated peer_discovered event. */
export function discoveryRow(ev: PeerDiscoveredEvent, streamSeq: number, receivedAt: number): DiscoveryRow {
  return {
    schema_version: PARQUET_SCHEMA_VERSION,
    stream_seq: streamSeq,
    received_at: receivedAt,
    enr: ev.enr,
    id: ev.id,
    node_id: ev.node_id,
    ip: ev.ip,
    port: ev.port,
    fork_digest: ev.fork_digest,
    attnets: ev.attnets,
    syncnets: ev.syncnets,
    custody_group_count: ev.custody_group_count,
    enr_problems: [...ev.enr_problems],
    crawler_id: ev.crawler_id,
    crawler_location: ev.crawler_location,
    timestamp: ev.timestamp,
  }
}

/** Pure: the metadata_events row of a validated metadata_received event. */
export function metadataRow(ev: MetadataReceivedEvent, streamSeq: number, receivedAt: number): MetadataRow {
  return {
    schema_version: PARQUET_SCHEMA_VERSION,
    stream_seq: streamSeq,
    received_at: receivedAt,
    enr: ev.enr,
    id: ev.id,
    node_id: ev.node_id,
    multiaddr: ev.multiaddr,
    epoch: ev.epoch,
    seq_number: BigInt(ev.metadata.seq_number),
    attnets: ev.metadata.attnets,
    syncnets: ev.metadata.syncnets,
    subscribed_subnets: [...ev.subscribed_subnets],
    client_version: ev.client_version,
    fork_digest: ev.fork_digest,
    head_slot: ev.head_slot,
    finalized_epoch: ev.finalized_epoch,
    custody_group_count: ev.custody_group_count,
    status_protocol: ev.protocols.status,
    metadata_protocol: ev.protocols.metadata,
    direction: ev.direction,
    handshake_latency_ms: ev.handshake_latency_ms,
    crawler_id: ev.crawler_id,
    crawler_location: ev.crawler_location,
    timestamp: ev.timestamp,
  }
}

/** Pure: the `validator_metadata_events` row of a metadata event: the event and its inference (inference/validators.ts). */
export function validatorRow(ev: MetadataReceivedEvent, streamSeq: number, receivedAt: number): ValidatorMetadataRow {
  const inf = inferFromEvent(ev)
  return {
    schema_version: PARQUET_SCHEMA_VERSION,
    stream_seq: streamSeq,
    received_at: receivedAt,
    enr: ev.enr,
    id: ev.id,
    node_id: ev.node_id,
    multiaddr: ev.multiaddr,
    epoch: ev.epoch,
    seq_number: BigInt(ev.metadata.seq_number),
    attnets: ev.metadata.attnets,
    syncnets: ev.metadata.syncnets,
    long_lived_subnets: inf.long_lived_subnets,
    short_lived_subnets: inf.short_lived_subnets,
    subscribed_subnets: [...ev.subscribed_subnets],
    attnets_check: inf.attnets_check,
    estimated_validators: inf.estimated_validators,
    confidence: inf.confidence,
    inference_basis: inf.basis,
    client_version: ev.client_version,
    crawler_id: ev.crawler_id,
    crawler_location: ev.crawler_location,
    timestamp: ev.timestamp,
  }
}

function elements(c: ColumnDef): SchemaElement[] {
  const repetition_type = c.optional ? 'OPTIONAL' : 'REQUIRED'
  const name = c.name
  const list = (element: SchemaElement): SchemaElement[] => [
    { name, repetition_type, converted_type: 'LIST', logical_type: { type: 'LIST' }, num_children: 1 },
    { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
    element,
  ]
  switch (c.kind) {
    case 'string':
      return [{ name, type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' }, repetition_type }]
    case 'int32':
      return [{ name, type: 'INT32', repetition_type }]
    case 'int64':
      return [{ name, type: 'INT64', repetition_type }]
    case 'uint64':
      // Converted type only: hyparquet-writer 0.17.0 writes the INTEGER logical type's bitWidth as a 32-bit
      // Thrift integer (the format says 8-bit), and DuckDB then rejects the whole file. UINT_64 alone reads as UBIGINT.
      return [{ name, type: 'INT64', converted_type: 'UINT_64', repetition_type }]
    case 'double':
      return [{ name, type: 'DOUBLE', repetition_type }]
    case 'timestamp_ms':
      return [{ name, type: 'INT64', converted_type: 'TIMESTAMP_MILLIS', logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MILLIS' }, repetition_type }]
    case 'int32_list':
      return list({ name: 'element', type: 'INT32', repetition_type: 'REQUIRED' })
    case 'string_list':
      return list({ name: 'element', type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' }, repetition_type: 'REQUIRED' })
  }
}

/** The parquet schema (flat pre-order elements, as hyparquet-writer takes them) of a file's columns. */
export function parquetSchemaOf(columns: readonly ColumnDef[]): SchemaElement[] {
  return [{ name: 'root', num_children: columns.length }, ...columns.flatMap(elements)]
}

const toBig = (v: unknown): bigint => {
  if (typeof v === 'bigint') return v
  if (typeof v === 'number' || typeof v === 'string') return BigInt(v)
  throw new TypeError(`expected an integer, got ${String(v)}`)
}

function convert(kind: ColumnKind, v: unknown): unknown {
  if (v === null || v === undefined) return null
  switch (kind) {
    case 'int64':
    case 'uint64':
    case 'timestamp_ms':
      // hyparquet-writer range-checks (signed, or unsigned for UINT_64) and stores the 64-bit pattern.
      return toBig(v)
    default:
      return v
  }
}

/** Values sampled to tell a column whose values (nearly) all differ (ENRs, ids, addresses). */
const DISTINCT_SAMPLE = 32

/**
 * A string column whose sampled values all differ, as UTF-8 bytes: one encoding of the whole column and a view
 * per value, instead of hyparquet-writer's TextEncoder call (and buffer) per value. The file is byte for byte the
 * same. Columns with repeated values stay strings (the writer's dictionary looks them up faster as strings).
 */
function utf8IfDistinct(data: unknown[]): unknown[] {
  const sample = new Set<unknown>()
  for (let i = 0; i < data.length && sample.size < DISTINCT_SAMPLE; i++) {
    const v = data[i]
    if (typeof v !== 'string') continue
    if (sample.has(v)) return data
    sample.add(v)
  }
  if (sample.size < DISTINCT_SAMPLE) return data
  let joined = ''
  for (const v of data) if (typeof v === 'string') joined += v
  const bytes = Buffer.from(joined, 'utf8')
  // Not ASCII: byte offsets are not string offsets; leave it to the writer.
  if (bytes.length !== joined.length) return data
  const out = new Array<unknown>(data.length)
  let offset = 0
  for (let i = 0; i < data.length; i++) {
    const v = data[i]
    if (typeof v === 'string') {
      out[i] = bytes.subarray(offset, offset + v.length)
      offset += v.length
    } else out[i] = v
  }
  return out
}

/** Columnar data of rows for hyparquet-writer (no `type` on the columns: the schema carries the types). */
export function columnDataOf(columns: readonly ColumnDef[], rows: readonly object[]): ColumnSource[] {
  return columns.map((c) => {
    const data = new Array<unknown>(rows.length)
    for (let i = 0; i < rows.length; i++) {
      const v = (rows[i] as Record<string, unknown>)[c.name]
      if ((v === null || v === undefined) && !c.optional) throw new TypeError(`column ${c.name}: null in a required column (row ${i})`)
      data[i] = convert(c.kind, v)
    }
    return { name: c.name, data: (c.kind === 'string' ? utf8IfDistinct(data) : data) as ColumnSource['data'] }
  })
}

/** A cheap estimate of a row's encoded size (uncompressed), for size-based rotation. */
export function estimateRowBytes(row: object): number {
  let n = 0
  for (const v of Object.values(row)) {
    if (typeof v === 'string') n += v.length + 4
    else if (Array.isArray(v)) {
      n += 4
      for (const e of v) n += typeof e === 'string' ? e.length + 4 : 4
    } else n += 8
  }
  return n
}

/** How docs/parquet-schema.md names a column kind's parquet type. */
export function parquetTypeOf(kind: ColumnKind): string {
  const names: Record<ColumnKind, string> = {
    string: 'STRING',
    int32: 'INT32',
    int64: 'INT64',
    uint64: 'UINT64',
    double: 'DOUBLE',
    timestamp_ms: 'TIMESTAMP(MILLIS)',
    int32_list: 'LIST<INT32>',
    string_list: 'LIST<STRING>',
  }
  return names[kind]
}

/** Columns the original (chainbound/valtrack) wrote under the same name, per file. */
export const upstreamColumns: Record<FileKind, readonly string[]> = {
  discovery_events: ['enr', 'id', 'ip', 'port', 'crawler_id', 'crawler_location', 'timestamp'],
  metadata_events: ['enr', 'id', 'multiaddr', 'epoch', 'subscribed_subnets', 'client_version', 'crawler_id', 'crawler_location', 'timestamp'],
  validator_metadata_events: ['enr', 'id', 'multiaddr', 'epoch', 'seq_number', 'attnets', 'syncnets', 'long_lived_subnets', 'subscribed_subnets', 'client_version', 'crawler_id', 'crawler_location', 'timestamp'],
}
