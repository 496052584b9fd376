/**
 * Where the sentry's events go: NATS JetStream (natsSink.ts) or JSON-lines files (jsonLinesSink.ts). The
 * crawler and the dialer call `publish` on their hot paths, so it only hands the event over: it never waits
 * for the network or the disk and never throws (an event it cannot keep is counted in `dropped`).
 */
import type { MetadataReceivedEvent, PeerDiscoveredEvent } from '../events.js'

export const eventTypes = ['peer_discovered', 'metadata_received'] as const
export type EventType = (typeof eventTypes)[number]

export type EventOf<T extends EventType> = T extends 'peer_discovered' ? PeerDiscoveredEvent : MetadataReceivedEvent

/** The JetStream subject of an event type (the original's names, kept for its consumers). */
export const subjectOf = (type: EventType): string => `events.${type}`

/** Counters since the sink started; the metrics read them at scrape time. */
export type SinkStats = {
  /** Events stored: acknowledged by JetStream, or written to a file. */
  published: number
  /** Failed attempts (a failed NATS publish is retried, so one event may fail several times). */
  failed: number
  /** Events accepted and waiting, not yet sent. */
  buffered: number
  /** Events given up: buffer full, not serialisable, or still waiting when `close` reached its deadline. */
  dropped: number
  /** Sent and not yet acknowledged (NATS) or written (files). */
  inFlight: number
}

export interface EventSink {
  /** The metrics' `sink` label. */
  readonly kind: 'nats' | 'jsonl'
  /** Hands an event over; returns at once and never throws. */
  publish<T extends EventType>(type: T, event: EventOf<T>): void
  /**
   * Flushes what is buffered for at most `deadlineMs` (a duration from the call), then stops; resolves by the
   * deadline even if the destination is unreachable (what is left is counted as dropped). Never rejects.
   */
  close(deadlineMs: number): Promise<void>
  stats(): SinkStats
}
