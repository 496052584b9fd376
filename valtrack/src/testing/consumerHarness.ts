/**
 * What the consumer's tests against a real nats-server share: the consumer's test-sized options, publishing
 * numbered fixture events, reading back the stream sequences in the parquet parts, and the durable's state as
 * the server reports it.
 */
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { jetstream, jetstreamManager } from '@nats-io/jetstream'
import type { NatsConnection } from '@nats-io/transport-node'
import type { ConsumerOptions } from '../consumer/consumer.js'
import { readPartSeqs } from '../consumer/parts.js'
import type { FileKind } from '../consumer/schema.js'
import { silentLogger } from '../logger.js'
import { discoveredEvent, metadataEvent } from '../sinks/fixtures.js'
import { STREAM_NAME } from '../sinks/streamConfig.js'

/**
 * A consumer's options with test-sized timings (parts finalised every 200 ms, 1 s fetches, retries from 100 ms
 * up to 1 s), instance `a`, silent; `given` names the servers, durable and data dir and overrides the rest.
 */
export function testConsumerOptions(given: Pick<ConsumerOptions, 'servers' | 'name' | 'dataDir'> & Partial<ConsumerOptions>): ConsumerOptions {
  return { instanceId: 'a', logger: silentLogger, partMaxAgeMs: 200, fetchExpiresMs: 1000, retry: { baseMs: 100, capMs: 1000 }, ...given }
}

export type Published = { discovered: number[]; metadata: number[] }

/** The subject and body of fixture event i: every third a peer_discovered, the others metadata_received. */
export function fixtureMessage(i: number): { subject: string; data: string } {
  return i % 3 === 0
    ? { subject: 'events.peer_discovered', data: JSON.stringify(discoveredEvent(i)) }
    : { subject: 'events.metadata_received', data: JSON.stringify(metadataEvent(i)) }
}

/**
 * Publishes fixture events from..to, each with a message id (a publish retried after a lost acknowledgement is
 * stored once), retrying a failed publish (e.g. while a cluster elects a leader) until `retryForMs` passes.
 * Returns the stream sequence of each by kind.
 */
export async function publishEvents(nc: NatsConnection, from: number, to: number, retryForMs = 0): Promise<Published> {
  const js = jetstream(nc)
  const out: Published = { discovered: [], metadata: [] }
  for (let i = from; i <= to; i++) {
    const { subject, data } = fixtureMessage(i)
    const deadline = Date.now() + retryForMs
    for (;;) {
      try {
        const ack = await js.publish(subject, data, { msgID: `fixture-${i}`, timeout: 2_000 })
        ;(subject === 'events.peer_discovered' ? out.discovered : out.metadata).push(ack.seq)
        break
      } catch (e) {
        if (Date.now() > deadline) throw e
        await new Promise((r) => setTimeout(r, 100))
      }
    }
  }
  return out
}

export const merged = (...all: Published[]): Published => ({
  discovered: all.flatMap((p) => p.discovered).sort((a, b) => a - b),
  metadata: all.flatMap((p) => p.metadata).sort((a, b) => a - b),
})

/** Every stream_seq in the finalised parts of a file, with repeats, sorted. */
export async function seqsOnDisk(dataDir: string, file: FileKind): Promise<number[]> {
  const dir = join(dataDir, file)
  if (!existsSync(dir)) return []
  const parts = readdirSync(dir).filter((n) => n.endsWith('.parquet'))
  const all = await Promise.all(parts.map((p) => readPartSeqs(join(dir, p))))
  return all.flat().sort((a, b) => a - b)
}

/** Asserts-friendly view: the sequences of all three files. */
export async function filesOnDisk(dataDir: string): Promise<Record<FileKind, number[]>> {
  return {
    discovery_events: await seqsOnDisk(dataDir, 'discovery_events'),
    metadata_events: await seqsOnDisk(dataDir, 'metadata_events'),
    validator_metadata_events: await seqsOnDisk(dataDir, 'validator_metadata_events'),
  }
}

/** What the three files must hold, exactly once each, after `published` was consumed. */
export const expectedFiles = (published: Published): Record<FileKind, number[]> => ({
  discovery_events: published.discovered,
  metadata_events: published.metadata,
  validator_metadata_events: published.metadata,
})

export const durableInfo = async (nc: NatsConnection, name: string) => (await jetstreamManager(nc)).consumers.info(STREAM_NAME, name)

/** Whether the server has nothing left to deliver nor awaiting acknowledgement for the durable. */
export async function drained(nc: NatsConnection, name: string): Promise<boolean> {
  const info = await durableInfo(nc, name)
  return info.num_pending === 0 && info.num_ack_pending === 0
}
