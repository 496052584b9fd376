/**
 * Test helper: real parquet parts from real-looking events, written by the consumer's PartWriter with its row
 * builders (consumer/schema.ts), exactly as `valtrack consumer` writes them.
 */
import { copyFile, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
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

/**
 * Metadata parts of several instances as if written at the same time: each instance's parts are written in a
 * directory of their own, then moved in, so no writer sees (and skips) the others' sequences. A sequence two
 * of them hold is on disk twice, as when two consumers both wrote a message.
 */
export async function writeConcurrentParts(dataDir: string, batches: { instanceId: string; metadata: Seqd<MetadataReceivedEvent>[] }[]): Promise<void> {
  for (const { instanceId, metadata } of batches) {
    const own = await mkdtemp(join(tmpdir(), 'valtrack-parts-'))
    try {
      await writeParts(own, [], metadata, instanceId)
      for (const file of ['metadata_events', 'validator_metadata_events'] as const) {
        await mkdir(join(dataDir, file), { recursive: true })
        for (const name of await readdir(join(own, file))) await copyFile(join(own, file, name), join(dataDir, file, name))
      }
    } finally {
      await rm(own, { recursive: true, force: true })
    }
  }
}
