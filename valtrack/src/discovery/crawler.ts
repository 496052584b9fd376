/**
 * The systematic discv5 crawl: every known node is visited, i.e. asked FINDNODE for each log distance in
 * turn (256 down to 240 by default; a node answers at most 16 records per request, so asking one distance
 * at a time gets up to 16 per distance instead of 16 in all), like Nebula, rather than relying on random
 * lookups. Which node is due is the PeerTable's decision (new nodes at once, a revisit period after a
 * visit, a backoff after a failed one). Each visit of a node on the current fork digest hands its record
 * to the DialQueue, waiting while it is full, so that no node is dropped or skipped; nodes on another
 * digest are counted and reported, not enqueued.
 */
import type { Discv5 } from '@chainsafe/discv5'
import { ENR } from '@chainsafe/enr'
import type { Clock, TimerHandle } from '../clock.js'
import type { DialQueue } from './dialQueue.js'
import { type NodeRecord, recordFromEnr } from './enr.js'
import type { PeerTable } from './peerTable.js'

export type CrawlerOptions = {
  /** A started discv5 node (discv5Node.ts); the crawler stops it in `stop()`. */
  discv5: Discv5
  bootnodes: readonly string[]
  table: PeerTable
  queue: DialQueue<NodeRecord>
  clock: Clock
  /** The current fork digest, 8 hex digits (forks.ts `watchForks(...).current().digestHex`): asked at each visit. */
  currentDigestHex: () => string
  /** Nodes visited at once. */
  concurrency: number
  /** Per FINDNODE request (discv5's own timeout and resend apply within it); a timeout ends the node's visit. */
  requestTimeoutMs: number
  distances?: readonly number[]
  /** Each node seen for the first time or with a newer record: the `peer_discovered` event. */
  onDiscovered?: (record: NodeRecord, sameDigest: boolean) => void
}

export type CrawlerCounters = {
  /**
   * Passes that ended with no node left due (every known node visited). A crawl that takes longer than the
   * revisit period never runs out of due nodes and counts no more rounds: `visits` keeps counting.
   */
  rounds: number
  visits: number
  /** Distinct nodes learned (bootnodes included). */
  nodesFound: number
  requests: number
  timeouts: number
  /** Requests that failed otherwise. */
  requestErrors: number
  enqueued: number
  /** Visits of nodes on another fork digest or without a valid eth2 key, which are not enqueued. */
  otherDigest: number
}

export const defaultDistances: readonly number[] = Array.from({ length: 17 }, (_, i) => 256 - i)

/** node's setTimeout fires at once for delays over 2^31 - 1 ms. */
const MAX_TIMER_MS = 2 ** 31 - 1

const digestOf = (r: NodeRecord) => (r.eth2 ? Buffer.from(r.eth2.forkDigest).toString('hex') : 'none')

/** A bootnode's record and ENR object (FINDNODE needs the object), or undefined when the text is no valid ENR. */
function decodeEnr(text: string): { record: NodeRecord; enr: ENR } | undefined {
  try {
    const enr = ENR.decodeTxt(text.trim())
    const parsed = recordFromEnr(enr, text.trim())
    return parsed.ok ? { record: parsed.record, enr } : undefined
  } catch {
    return undefined
  }
}

export class Crawler {
  readonly counters: CrawlerCounters = { rounds: 0, visits: 0, nodesFound: 0, requests: 0, timeouts: 0, requestErrors: 0, enqueued: 0, otherDigest: 0 }
  private readonly inFlight = new Set<Promise<void>>()
  private readonly distances: readonly number[]
  private running = false
  private timer: TimerHandle | undefined
  private visitedThisRound = false
  private signalStopped!: () => void
  private readonly stopped = new Promise<'stopped'>((resolve) => (this.signalStopped = () => resolve('stopped')))

  constructor(private readonly opts: CrawlerOptions) {
    this.distances = opts.distances ?? defaultDistances
  }

  /** Seeds the table with the bootnodes (an invalid one is skipped and returned) and starts crawling. */
  start(): { invalidBootnodes: string[] } {
    const invalidBootnodes: string[] = []
    for (const text of this.opts.bootnodes) {
      const parsed = decodeEnr(text)
      if (parsed) this.learn(parsed.record)
      else invalidBootnodes.push(text)
    }
    this.running = true
    this.pump()
    return { invalidBootnodes }
  }

  /** Known nodes by the fork digest of their ENR. */
  nodesByDigest(): Map<string, number> {
    return this.opts.table.countByDigest()
  }

  /** Ends the crawl: visits waiting for a request or for room in the queue are abandoned, then discv5 stops. */
  async stop(): Promise<void> {
    this.running = false
    if (this.timer !== undefined) this.opts.clock.clearTimeout(this.timer)
    this.timer = undefined
    this.signalStopped()
    await Promise.all(this.inFlight)
    await this.opts.discv5.stop()
  }

  private learn(record: NodeRecord): void {
    if (record.nodeId === this.opts.discv5.enr.nodeId) return
    const seen = this.opts.table.observe(record, this.opts.clock.now())
    if (seen === 'known') return
    if (seen === 'new') this.counters.nodesFound++
    this.opts.onDiscovered?.(record, digestOf(record) === this.opts.currentDigestHex())
  }

  /** Starts visits of due nodes up to the concurrency; when none is due or in flight, waits for the next due one. */
  private pump(): void {
    if (!this.running) return
    if (this.timer !== undefined) this.opts.clock.clearTimeout(this.timer)
    this.timer = undefined
    const free = this.opts.concurrency - this.inFlight.size
    for (const record of this.opts.table.takeDue(this.opts.clock.now(), free)) {
      this.visitedThisRound = true
      const visit: Promise<void> = this.visit(record).finally(() => {
        this.inFlight.delete(visit)
        this.pump()
      })
      this.inFlight.add(visit)
    }
    if (this.inFlight.size > 0) return
    if (this.visitedThisRound) this.counters.rounds++
    this.visitedThisRound = false
    const next = this.opts.table.nextDueMs()
    if (next === undefined) return
    this.timer = this.opts.clock.setTimeout(() => this.pump(), Math.min(MAX_TIMER_MS, Math.max(0, next - this.opts.clock.now())))
  }

  private async visit(record: NodeRecord): Promise<void> {
    this.counters.visits++
    if (digestOf(record) === this.opts.currentDigestHex()) {
      if ((await Promise.race([this.opts.queue.offer(record.nodeId, record), this.stopped])) === 'stopped') return
      this.counters.enqueued++
    } else {
      this.counters.otherDigest++
    }
    // FINDNODE needs the ENR object. Only the text is kept (in the table): an object is ~3.8 kB of heap, 38 MB at
    // 10,000 nodes, and decoding again (~3 ms, the signature check) once per visit costs little.
    const enr = decodeEnr(record.enr)?.enr
    if (!enr) {
      this.opts.table.failed(record.nodeId, 'bad_response', this.opts.clock.now())
      return
    }
    for (const distance of this.distances) {
      if (!this.running) return
      const result = await this.findNode(enr, distance)
      if (result === 'stopped') return
      if (result === 'timeout' || result === 'error') {
        // Unreachable or broken: the other distances would only wait as long again (17 timeouts per dead
        // node). discv5 already resends a lost request once; the node is backed off by why it failed.
        this.opts.table.failed(record.nodeId, result === 'timeout' ? 'timeout' : 'other', this.opts.clock.now())
        return
      }
      for (const found of result) {
        const parsed = recordFromEnr(found)
        if (parsed.ok) this.learn(parsed.record)
      }
    }
    this.opts.table.visited(record.nodeId, this.opts.clock.now())
  }

  private async findNode(enr: ENR, distance: number): Promise<ENR[] | 'timeout' | 'error' | 'stopped'> {
    this.counters.requests++
    let timer: TimerHandle | undefined
    const timeout = new Promise<'timeout'>((resolve) => (timer = this.opts.clock.setTimeout(() => resolve('timeout'), this.opts.requestTimeoutMs)))
    try {
      const request = this.opts.discv5.sendFindNode(enr, [distance]).catch((e: unknown) =>
        // discv5 names its own request timeout "Timeout" (RequestErrorType).
        (e as { code?: unknown }).code === 'Timeout' ? ('timeout' as const) : ('error' as const),
      )
      const result = await Promise.race([request, timeout, this.stopped])
      if (result === 'timeout') this.counters.timeouts++
      if (result === 'error') this.counters.requestErrors++
      return result
    } finally {
      if (timer !== undefined) this.opts.clock.clearTimeout(timer)
    }
  }
}
