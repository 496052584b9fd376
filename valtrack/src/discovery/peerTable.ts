/**
 * Every node the sentry knows, keyed by node id, with when it is next to be visited: at once when new, a
 * revisit period after a successful visit, after its backoff when a visit failed. One owner (the sentry's
 * loop) calls it, so the discovery and dial paths no longer share an unsynchronised map as in the original.
 * Time and randomness are arguments.
 */
import { type FailureClass, type PeerBackoff, recordFailure } from '../backoff.js'
import type { NodeRecord } from './enr.js'

type Entry = {
  record: NodeRecord
  firstSeenMs: number
  /** When the peer is next handed out; Infinity while a visit is in flight. */
  nextVisitMs: number
  backoff: PeerBackoff | undefined
}

export type Observed = 'new' | 'updated' | 'known'

export class PeerTable {
  private readonly entries = new Map<string, Entry>()

  constructor(
    private readonly revisitPeriodMs: number,
    private readonly random: () => number,
  ) {}

  get size(): number {
    return this.entries.size
  }

  /** The newest record of a node, if known. */
  get(nodeId: string): NodeRecord | undefined {
    return this.entries.get(nodeId)?.record
  }

  /** A record seen at `nowMs`. Per EIP-778 a higher sequence number replaces the record; an older one is ignored. */
  observe(record: NodeRecord, nowMs: number): Observed {
    const entry = this.entries.get(record.nodeId)
    if (!entry) {
      this.entries.set(record.nodeId, { record, firstSeenMs: nowMs, nextVisitMs: nowMs, backoff: undefined })
      return 'new'
    }
    if (record.seq <= entry.record.seq) return 'known'
    entry.record = record
    return 'updated'
  }

  /**
   * Up to `limit` peers due at `nowMs`, longest overdue first, marked in flight: none is handed out again
   * before `visited` or `failed` is called for it.
   */
  takeDue(nowMs: number, limit: number): NodeRecord[] {
    const due = [...this.entries.values()].filter((e) => e.nextVisitMs <= nowMs).sort((a, b) => a.nextVisitMs - b.nextVisitMs)
    return due.slice(0, Math.max(0, limit)).map((e) => {
      e.nextVisitMs = Infinity
      return e.record
    })
  }

  /** When the earliest peer not in flight is due, or undefined when every peer is in flight (or none is known). */
  nextDueMs(): number | undefined {
    let next = Infinity
    for (const e of this.entries.values()) next = Math.min(next, e.nextVisitMs)
    return Number.isFinite(next) ? next : undefined
  }

  /** A successful visit: the backoff is cleared (only here) and the next visit is a revisit period away. */
  visited(nodeId: string, nowMs: number): void {
    const e = this.entries.get(nodeId)
    if (!e) return
    e.backoff = undefined
    e.nextVisitMs = nowMs + this.revisitPeriodMs
  }

  /** A failed visit: the peer is retried after its backoff, which grows with consecutive failures. */
  failed(nodeId: string, cls: FailureClass, nowMs: number): PeerBackoff | undefined {
    const e = this.entries.get(nodeId)
    if (!e) return undefined
    e.backoff = recordFailure(e.backoff, cls, nowMs, this.random)
    e.nextVisitMs = e.backoff.retryAtMs
    return e.backoff
  }

  /** Known nodes by the fork digest of their ENR ("none" without a valid eth2 key): the discovery metric. */
  countByDigest(): Map<string, number> {
    const counts = new Map<string, number>()
    for (const { record } of this.entries.values()) {
      const digest = record.eth2 ? Buffer.from(record.eth2.forkDigest).toString('hex') : 'none'
      counts.set(digest, (counts.get(digest) ?? 0) + 1)
    }
    return counts
  }
}
