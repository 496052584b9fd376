/**
 * The JetStream stream the sentry publishes to, as the original defines it: `EVENTS`, Interest retention,
 * subjects events.metadata_received and events.peer_discovered. Pure: what to create, and what to change in an
 * existing stream. Interest retention means a message is kept only while a consumer still has to acknowledge it
 * (the consumer's durable must exist before events are published, or they are acknowledged and discarded).
 */
import { DiscardPolicy, JetStreamApiCodes, JetStreamApiError, type JetStreamManager, RetentionPolicy, type StreamConfig, type StreamUpdateConfig, StorageType } from '@nats-io/jetstream'
import type { Logger } from '../logger.js'
import { eventTypes, subjectOf } from './sink.js'

export const STREAM_NAME = 'EVENTS'

export const streamSubjects: readonly string[] = eventTypes.map(subjectOf).sort()

export type StreamSettings = {
  /** 1 on a single server; 3 on a three-node cluster. */
  replicas: number
  /**
   * How long the server remembers message ids: a publish retried after a lost acknowledgement within this
   * window is stored once. Longer than the sink's longest retry delay, so that a retry is not stored twice.
   */
  duplicateWindowMs: number
  /**
   * Messages older than this are removed even if a consumer has not acknowledged them: an orphaned durable (the
   * original made a new random one at each start) would otherwise keep every message forever.
   */
  maxAgeMs: number
}

export const defaultStreamSettings: StreamSettings = { replicas: 1, duplicateWindowMs: 10 * 60_000, maxAgeMs: 7 * 24 * 3_600_000 }

const nanos = (ms: number): number => ms * 1_000_000

/** The window a stream can have: the server refuses a duplicate window longer than a non-zero max age. */
function duplicateWindowNs(settings: StreamSettings, maxAgeNs: number): number {
  const wanted = nanos(settings.duplicateWindowMs)
  return maxAgeNs > 0 ? Math.min(wanted, maxAgeNs) : wanted
}

/** Pure: the configuration of a new stream. */
export function newStreamConfig(settings: StreamSettings = defaultStreamSettings): Partial<StreamConfig> & { name: string } {
  const maxAge = nanos(settings.maxAgeMs)
  return {
    name: STREAM_NAME,
    subjects: [...streamSubjects],
    retention: RetentionPolicy.Interest,
    storage: StorageType.File,
    num_replicas: settings.replicas,
    discard: DiscardPolicy.Old,
    max_age: maxAge,
    duplicate_window: duplicateWindowNs(settings, maxAge),
  }
}

const sameSubjects = (a: readonly string[] | undefined) => JSON.stringify([...(a ?? [])].sort()) === JSON.stringify(streamSubjects)

/**
 * Pure: the fields to change in an existing stream, or null when it already matches. Only what the sentry
 * depends on is changed (retention, subjects, a duplicate window at least ours); limits, storage and replicas an
 * operator chose are kept (the server cannot change storage in place anyway).
 */
export function streamConfigChanges(existing: Partial<StreamConfig>, settings: StreamSettings = defaultStreamSettings): Partial<StreamConfig> | null {
  const changes: Partial<StreamConfig> = {}
  if (existing.retention !== RetentionPolicy.Interest) changes.retention = RetentionPolicy.Interest
  if (!sameSubjects(existing.subjects)) changes.subjects = [...streamSubjects]
  const window = duplicateWindowNs(settings, existing.max_age ?? 0)
  if ((existing.duplicate_window ?? 0) < window) changes.duplicate_window = window
  return Object.keys(changes).length > 0 ? changes : null
}

/**
 * Creates the stream, or updates an existing one where it differs in what the sentry depends on. Shared by the
 * sentry's sink and the consumer: whichever starts first creates it.
 */
export async function ensureStream(jsm: JetStreamManager, settings: StreamSettings, log: Logger): Promise<void> {
  let existing
  try {
    existing = await jsm.streams.info(STREAM_NAME)
  } catch (err) {
    if (!(err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamNotFound)) throw err
    await jsm.streams.add(newStreamConfig(settings))
    log.info('nats: created stream', { config: newStreamConfig(settings) })
    return
  }
  const changes = streamConfigChanges(existing.config, settings)
  if (!changes) return
  // The client merges these into the stream's current configuration; retention is not in its update type,
  // but the server accepts a change between Limits and Interest.
  await jsm.streams.update(STREAM_NAME, changes as Partial<StreamUpdateConfig>)
  log.info('nats: updated stream', { changes })
}
