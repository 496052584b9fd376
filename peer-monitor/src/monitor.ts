import { parseClIdentity, parseClPeerCount, parseClPeersBody, parseClSync } from './clPeers'
import type { BeaconClient } from './beaconClient'
import type { ElClient } from './elClient'
import { listCollector, maxPeersPerLayer, parseElPeer, parseElPeers, parseElSync, parsePeerEvent, parseQuantity } from './elPeers'
import { classifyError } from './errors'
import type { Clock } from './clock'
import { peerConnectedEvent, peerDisconnectedEvent, peerUpdatedEvent, type EventSource, type OutputEvent } from './format'
import type { Logger } from './logger'
import { PollLoop } from './loop'
import type { Metrics } from './metrics'
import { diffPeers, reuseKnown, type TrackedPeer } from './peerState'
import type { LayerState } from './snapshot'
import type { BackoffOptions } from './backoff'
import type { ClassifiedError, Layer, ParsedList, Peer } from './types'

export type MonitorContext = {
  metrics: Metrics
  logger: Logger
  /** Writes one event to the stdout stream, at once: changes are never held back for a snapshot. */
  emit(event: OutputEvent): void
  clock: Clock
  intervalMs: number
  backoff: BackoffOptions
}

/** An endpoint failure, classified once. */
export class EndpointError extends Error {
  override name = 'EndpointError'
  constructor(readonly endpoint: string, readonly classified: ClassifiedError, override readonly cause: unknown) {
    super(`${endpoint}: ${classified.kind}: ${classified.message}`)
  }
}

/** Times a request (+ its parsing) and counts its failure by kind. */
export async function timed<T>(ctx: MonitorContext, layer: Layer, endpoint: string, fn: () => Promise<T>): Promise<T> {
  const end = ctx.metrics.rpcDuration.startTimer({ layer, endpoint })
  try {
    const result = await fn()
    end()
    return result
  } catch (error) {
    end()
    if (error instanceof EndpointError) throw error
    const classified = classifyError(error)
    ctx.metrics.recordError(layer, endpoint, classified.kind)
    throw new EndpointError(endpoint, classified, error)
  }
}

/** Applies a full peer list to the state, emitting connect/disconnect/update events. */
export function applyPeerList(ctx: MonitorContext, state: LayerState, peers: Peer[], source: EventSource): void {
  const now = ctx.clock.now()
  const diff = diffPeers(state.peers, peers, now)
  for (const t of diff.added) addedPeer(ctx, t, source, now)
  for (const t of diff.removed) removedPeer(ctx, t, source, null, now)
  for (const t of diff.updated) ctx.emit(peerUpdatedEvent(t, now))
  state.peers = diff.current
  ctx.metrics.setPeers(state.layer, state.peers.values())
}

function addedPeer(ctx: MonitorContext, t: TrackedPeer, source: EventSource, now: number) {
  ctx.metrics.connects.inc({ layer: t.peer.layer })
  ctx.emit(peerConnectedEvent(t, source, now))
}

function removedPeer(ctx: MonitorContext, t: TrackedPeer, source: EventSource, reason: string | null, now: number) {
  ctx.metrics.disconnects.inc({ layer: t.peer.layer })
  ctx.metrics.sessionDuration.observe({ layer: t.peer.layer }, Math.max(0, (now - t.since) / 1000))
  ctx.emit(peerDisconnectedEvent(t, source, reason, now))
}

/** Shared bookkeeping of success and failure for a layer. */
abstract class LayerMonitor {
  protected readonly loop: PollLoop
  private lastInvalid = 0

  constructor(protected readonly ctx: MonitorContext, readonly state: LayerState) {
    this.loop = new PollLoop(() => this.runCycle(), {
      intervalMs: ctx.intervalMs,
      backoff: ctx.backoff,
      clock: ctx.clock,
      onFailure: (error, attempt, retryInMs) => this.failed(error, attempt, retryInMs),
    })
  }

  start() {
    this.loop.start()
  }

  stop() {
    this.loop.stop()
  }

  /** One update of the layer's state. */
  protected abstract cycle(): Promise<void>

  private async runCycle() {
    await this.cycle()
    const now = this.ctx.clock.now()
    const layer = this.state.layer
    if (this.state.status === 'error') this.ctx.logger.info(`${layer} recovered`, { layer })
    this.state.status = 'ok'
    this.state.lastSuccess = now
    this.ctx.metrics.lastSuccess.set({ layer }, now / 1000)
    this.ctx.metrics.up.set({ layer }, 1)
  }

  protected noteInvalid(parsed: ParsedList<unknown>) {
    const layer = this.state.layer
    this.state.invalidEntries = parsed.invalid
    if (parsed.invalid > 0) {
      this.ctx.metrics.invalidEntries.inc({ layer }, parsed.invalid)
      const log = parsed.invalid !== this.lastInvalid ? this.ctx.logger.warn : this.ctx.logger.debug
      log(`${layer} peer list had invalid entries; skipped them`, { layer, invalid: parsed.invalid, reasons: parsed.invalidReasons })
    }
    this.lastInvalid = parsed.invalid
  }

  private failed(error: unknown, attempt: number, retryInMs: number) {
    const layer = this.state.layer
    const e = error instanceof EndpointError ? error : new EndpointError('cycle', classifyError(error), error)
    this.state.status = 'error'
    this.state.lastError = { ...e.classified, message: `${e.endpoint}: ${e.classified.message}` }
    this.state.lastErrorAt = this.ctx.clock.now()
    this.ctx.metrics.up.set({ layer }, 0)
    const log = e.classified.kind === 'admin_disabled' || attempt === 1 ? this.ctx.logger.error : this.ctx.logger.warn
    log(`${layer} update failed`, {
      layer,
      endpoint: e.endpoint,
      kind: e.classified.kind,
      error: e.classified.message,
      hint: e.classified.hint,
      attempt,
      retry_in_ms: retryInMs,
    })
  }
}

export class ElMonitor extends LayerMonitor {
  /** Subscription events seen while a reconcile was in flight (id -> last event type). */
  private eventsDuringCycle: Map<string, 'add' | 'drop'> | null = null
  private subscriptionRefused = false

  constructor(ctx: MonitorContext, state: LayerState, private readonly client: ElClient) {
    super(ctx, state)
    state.subscription = client.kind === 'ws' ? 'inactive' : 'unsupported'
    client.onDisconnect((error) => this.disconnected(error))
  }

  override stop() {
    super.stop()
    this.client.close()
  }

  private setSubscription(s: LayerState['subscription']) {
    this.state.subscription = s
    this.ctx.metrics.subscriptionActive.set(s === 'active' ? 1 : 0)
  }

  private disconnected(error: Error) {
    const classified = classifyError(error)
    this.ctx.metrics.recordError('el', 'websocket', classified.kind)
    if (this.state.subscription === 'active') this.setSubscription('inactive')
    this.ctx.logger.warn('el websocket closed; will reconnect', { layer: 'el', kind: classified.kind, error: classified.message })
    this.loop.trigger(0)
  }

  protected async cycle(): Promise<void> {
    const ctx = this.ctx
    const client = this.client
    if (client.kind === 'ws') {
      if (!client.connected) {
        if (this.state.subscription === 'active') this.setSubscription('inactive')
        await timed(ctx, 'el', 'connect', () => client.connect())
        ctx.logger.debug('el websocket connected', { layer: 'el' })
      }
      if (this.state.subscription !== 'active' && !this.subscriptionRefused) await this.subscribe()
    }

    this.eventsDuringCycle = new Map()
    try {
      const [parsed, sync, reported] = await Promise.all([
        timed(ctx, 'el', 'admin_peers', async () => {
          // Entry by entry as the list is read: at 10,000 peers it is never one ~15 MB object tree.
          const reuse = reuseKnown(this.state.peers)
          const list = listCollector(parseElPeer, 'admin_peers', reuse)
          const read = await client.requestList('admin_peers', [], list.add)
          return read.streamed ? list.result() : parseElPeers(read.result, reuse)
        }),
        timed(ctx, 'el', 'eth_syncing', async () => {
          const [syncing, block] = await Promise.all([
            client.request('eth_syncing'),
            timed(ctx, 'el', 'eth_blockNumber', () => client.request('eth_blockNumber')),
          ])
          return parseElSync(syncing, block)
        }),
        timed(ctx, 'el', 'net_peerCount', async () => parseQuantity(await client.request('net_peerCount'), 'net_peerCount')).catch(
          (error: EndpointError) => {
            ctx.logger.debug('net_peerCount unavailable (optional)', { layer: 'el', kind: error.classified.kind })
            return null
          },
        ),
      ])
      this.noteInvalid(parsed)
      const peers = this.mergeConcurrentEvents(parsed.items)
      applyPeerList(ctx, this.state, peers, 'poll')
      this.state.elSync = sync
      this.state.reportedPeerCount = reported
      ctx.metrics.syncing.set({ layer: 'el' }, sync.syncing ? 1 : 0)
      ctx.metrics.head.set({ layer: 'el' }, sync.head)
      ctx.metrics.distance.set({ layer: 'el' }, sync.distance)
      if (reported !== null) ctx.metrics.reportedPeers.set({ layer: 'el' }, reported)
    } finally {
      this.eventsDuringCycle = null
    }
  }

  private async subscribe() {
    try {
      await timed(this.ctx, 'el', 'admin_subscribe', () => this.client.subscribePeerEvents((r) => this.onPeerEvent(r)))
      this.setSubscription('active')
      this.ctx.logger.info('el subscribed to peerEvents', { layer: 'el' })
    } catch (error) {
      const e = error as EndpointError
      if (e.classified?.kind === 'rpc') {
        // e.g. "notifications not supported": keep polling admin_peers.
        this.subscriptionRefused = true
        this.setSubscription('unsupported')
        this.ctx.logger.warn('el node refused admin_subscribe; polling admin_peers only', { layer: 'el', error: e.classified.message })
        return
      }
      throw error
    }
  }

  /** Keeps subscription events that raced with an in-flight admin_peers call. */
  private mergeConcurrentEvents(peers: Peer[]): Peer[] {
    const events = this.eventsDuringCycle
    if (!events || events.size === 0) return peers
    const out = peers.filter((p) => events.get(p.id) !== 'drop')
    const ids = new Set(out.map((p) => p.id))
    for (const [id, type] of events) {
      const known = this.state.peers.get(id)
      if (type === 'add' && !ids.has(id) && known) out.push(known.peer)
    }
    return out
  }

  private onPeerEvent(result: unknown) {
    const event = parsePeerEvent(result)
    if (!event) return
    const ctx = this.ctx
    const now = ctx.clock.now()
    this.eventsDuringCycle?.set(event.id, event.type)
    if (event.type === 'add') {
      // At the cap the event is left to the next poll, which then reports the list as too long.
      if (this.state.peers.has(event.id) || this.state.peers.size >= maxPeersPerLayer) return
      const tracked: TrackedPeer = {
        since: now,
        peer: {
          layer: 'el',
          id: event.id,
          remoteAddress: event.remote,
          direction: 'unknown',
          client: { family: 'unknown', name: null, version: null, os: null, raw: null },
          caps: [],
          state: null,
          enr: null,
          address: null,
        },
      }
      this.state.peers.set(event.id, tracked)
      addedPeer(ctx, tracked, 'subscription', now)
      // Fill in client name, caps and direction soon.
      this.loop.trigger(Math.min(1000, Math.max(50, ctx.intervalMs / 2)))
    } else {
      const tracked = this.state.peers.get(event.id)
      if (!tracked) return
      this.state.peers.delete(event.id)
      removedPeer(ctx, tracked, 'subscription', event.error, now)
    }
    ctx.metrics.setPeers('el', this.state.peers.values())
  }
}

export class ClMonitor extends LayerMonitor {
  constructor(ctx: MonitorContext, state: LayerState, private readonly beacon: BeaconClient) {
    super(ctx, state)
  }

  protected async cycle(): Promise<void> {
    const ctx = this.ctx
    const b = this.beacon
    const [parsed, count, sync] = await Promise.all([
      timed(ctx, 'cl', '/eth/v1/node/peers', async () => parseClPeersBody(await b.getBytes('/eth/v1/node/peers?state=connected'), reuseKnown(this.state.peers))),
      timed(ctx, 'cl', '/eth/v1/node/peer_count', async () => parseClPeerCount(await b.get('/eth/v1/node/peer_count'))),
      timed(ctx, 'cl', '/eth/v1/node/syncing', async () => parseClSync(await b.get('/eth/v1/node/syncing'))),
    ])
    if (!this.state.identity) {
      try {
        const identity = await timed(ctx, 'cl', '/eth/v1/node/identity', async () => parseClIdentity(await b.get('/eth/v1/node/identity')))
        this.state.identity = { peerId: identity.peerId, enr: identity.enr }
        ctx.logger.info('cl node identity', { layer: 'cl', peer_id: identity.peerId })
      } catch (error) {
        ctx.logger.debug('cl identity unavailable', { layer: 'cl', error: (error as Error).message })
      }
    }
    this.noteInvalid(parsed)
    applyPeerList(ctx, this.state, parsed.items, 'poll')
    this.state.clSync = sync
    this.state.reportedPeerCount = count.connected
    ctx.metrics.syncing.set({ layer: 'cl' }, sync.syncing ? 1 : 0)
    ctx.metrics.head.set({ layer: 'cl' }, sync.headSlot)
    ctx.metrics.distance.set({ layer: 'cl' }, sync.distance)
    ctx.metrics.setFlag(ctx.metrics.syncOptimistic, 'cl', sync.isOptimistic)
    ctx.metrics.setFlag(ctx.metrics.syncElOffline, 'cl', sync.elOffline)
    ctx.metrics.reportedPeers.set({ layer: 'cl' }, count.connected)
  }
}
