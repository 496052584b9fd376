/**
 * Test helper: real parquet parts from real-looking events, written by the consumer's PartWriter with its row
 * builders (consumer/schema.ts), exactly as `valtrack consumer` writes them.
 */
import { PartWriter } from '../consumer/parts.js'
import { discoveryRow, type FileKind, metadataRow, validatorRow } from '../consumer/schema.js'
import type { MetadataReceivedEvent, PeerDiscoveredEvent } from '../events.js'

export type Seqd<E> = { ev: E; seq: number }

const RECEIVED_AT = 1_700_000_100_000

async function writePart(dataDir: string, file: FileKind, rows: { stream_seq: number }[], instanceId: string): Promise<void> {
  if (rows.length === 0) return
  const w = await PartWriter.open({ dataDir, file, instanceId })
  for (const r of rows) w.append(r as never)
  await w.flush()
}

/** Writes one part per kind: the discovery events, and the metadata events (to both metadata files). */
export async function writeParts(dataDir: string, discovered: Seqd<PeerDiscoveredEvent>[], metadata: Seqd<MetadataReceivedEvent>[], instanceId = 'test'): Promise<void> {
  await writePart(dataDir, 'discovery_events', discovered.map(({ ev, seq }) => discoveryRow(ev, seq, RECEIVED_AT)), instanceId)
  await writePart(dataDir, 'metadata_events', metadata.map(({ ev, seq }) => metadataRow(ev, seq, RECEIVED_AT)), instanceId)
  await writePart(dataDir, 'validator_metadata_events', metadata.map(({ ev, seq }) => validatorRow(ev, seq, RECEIVED_AT)), instanceId)
}
