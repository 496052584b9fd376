/**
 * The sentry, put together: discv5 crawl → dial queue → dialer (handshake over libp2p) → events → sink,
 * with the fork digest followed across fork boundaries and metrics read from each part. One owner per piece
 * of state: the crawler and its PeerTable for discovery, the dialer for dial backoff, the host for libp2p.
 * Everything that touches time or randomness takes it from `deps`, so tests drive it; the process-level
 * wiring (flags, files, signals) is run.ts's.
 */
import { IDScheme, nodeId as nodeIdOfKey } from '@chainsafe/enr'
import type { Connection, Secp256k1PrivateKey } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import type { BackoffPolicy, FailureClass, PeerBackoff } from '../backoff.js'
import { clientFamily } from '../clientFamily.js'
import type { Clock } from '../clock.js'
import { Crawler } from '../discovery/crawler.js'
import { DialQueue } from '../discovery/dialQueue.js'
import { startDiscv5Node } from '../discovery/discv5Node.js'
import type { NodeRecord } from '../discovery/enr.js'
import { PeerTable } from '../discovery/peerTable.js'
import { type Crawler as CrawlerIdentity, type Handshake, metadataReceived, peerDiscovered } from '../events.js'
import { eth2Field, forkSchedule, watchForks, type ForkState } from '../forks.js'
import type { Logger } from '../logger.js'
import { createSentryMetrics } from '../metrics.js'
import type { Network } from '../networks.js'
import { ourEnrEntries, ourMetaData, ourStatus } from '../p2p/identity.js'
import { type SentryHost, startHost } from '../p2p/host.js'
import { handshake, type HandshakeResult } from '../p2p/handshake.js'
import type { EventOf, EventSink, EventType } from '../sinks/sink.js'
import { Dialer } from './dialer.js'

export type SentryConfig = {
  network: Network
  /** Bootnodes to start the crawl from (the network's unless overridden). */
  bootnodes: readonly string[]
  dialConcurrency: number
  /** Per dial and handshake step. */
  dialTimeoutMs: number
  revisitPeriodMs: number
  /** Address the TCP and UDP sockets bind to. */
  listenIp: string
  /** The IPv4 address put in the ENR for others to reach us; without it discv5 learns it from its peers. */
  externalIp?: string
  p2pTcpPort: number
  discv5Port: number
  crawlerLocation: string
  /** How long the peer's gossipsub subscriptions are gathered (the original: about 2 s). */
  gossipWindowMs?: number
  /** FINDNODE visits in flight. */
  crawlConcurrency?: number
  /** Per-class backoff of failed dials (tests shorten them). */
  backoffPolicies?: Record<FailureClass, BackoffPolicy>
}

export type SentryDeps = {
  privateKey: Secp256k1PrivateKey
  clock: Clock
  random: () => number
  logger: Logger
  sink: EventSink
}

export type Sentry = {
  peerId: string
  enr: () => string
  tcpPort: number
  metrics: ReturnType<typeof createSentryMetrics>
  crawler: Crawler
  health: () => { ok: boolean } & Record<string, unknown>
  /** The dial backoff of a node (undefined: never failed, or succeeded since). */
  backoffOf: (nodeId: string) => PeerBackoff | undefined
  /** Stops crawling and dialing, closes libp2p and discv5, then flushes the sink within what is left of `deadlineMs`. */
  stop(deadlineMs: number): Promise<void>
}

const DEFAULT_GOSSIP_WINDOW_MS = 2_000

/** The discv5 node id of a libp2p peer id (keccak256 of its secp256k1 key), for inbound peers we have no record of. */
export function nodeIdOfPeerId(peerId: string): string | undefined {
  try {
    const key = peerIdFromString(peerId).publicKey
    return key?.type === 'secp256k1' ? nodeIdOfKey(IDScheme.v4, key.raw) : undefined
  } catch {
    return undefined
  }
}

/** Pure: the libp2p addresses to dial a node at, from its record (IPv4 first). */
export function dialAddresses(record: NodeRecord): string[] {
  const out: string[] = []
  if (record.ip && record.tcp) out.push(`/ip4/${record.ip}/tcp/${record.tcp}/p2p/${record.peerId}`)
  if (record.ip6 && (record.tcp6 ?? record.tcp)) out.push(`/ip6/${record.ip6}/tcp/${record.tcp6 ?? record.tcp}/p2p/${record.peerId}`)
  return out
}

/** A record without a TCP address cannot be dialed: a failure of its own kind ("other"), retried with backoff. */
export class NoAddressError extends Error {
  constructor(record: NodeRecord) {
    super(`node ${record.nodeId.slice(0, 16)} has no TCP address in its record`)
  }
}

export async function startSentry(config: SentryConfig, deps: SentryDeps): Promise<Sentry> {
  const { clock, logger, sink } = deps
  const metadata = ourMetaData(1n, Number(config.network.chainConfig.CUSTODY_REQUIREMENT ?? 4))
  const forks = watchForks(forkSchedule(config.network), clock, (state) => onFork(state))
  const discv5 = await startDiscv5Node({
    privateKey: deps.privateKey,
    ip: config.listenIp,
    advertisedIp: config.externalIp ?? null,
    udpPort: config.discv5Port,
    entries: ourEnrEntries(forks.current(), metadata),
    config: { enrUpdate: config.externalIp === undefined },
  })
  const host: SentryHost = await startHost({
    privateKey: deps.privateKey,
    listenIp: config.listenIp,
    tcpPort: config.p2pTcpPort,
    maxConnections: config.dialConcurrency * 2 + 16,
    identity: () => ({ status: ourStatus(forks.current()), metadata }),
    onInboundPeer: (connection) => void inbound(connection),
  })
  discv5.enr.tcp = host.tcpPort
  const identity: CrawlerIdentity = { crawlerId: host.peerId, crawlerLocation: config.crawlerLocation }
  const table = new PeerTable(config.revisitPeriodMs, deps.random)
  const queue = new DialQueue<NodeRecord>(Math.max(64, config.dialConcurrency * 4))
  const crawler = new Crawler({
    discv5,
    bootnodes: config.bootnodes,
    table,
    queue,
    clock,
    currentDigestHex: () => forks.current().digestHex,
    concurrency: config.crawlConcurrency ?? 16,
    requestTimeoutMs: config.dialTimeoutMs,
    onDiscovered: (record) => {
      emit('peer_discovered', peerDiscovered(record, record.peerId, identity, clock.now()))
    },
  })
  let dialer: Dialer<HandshakeResult>
  const metrics = createSentryMetrics({
    crawler: () => crawler.counters,
    nodesByDigest: () => table.countByDigest(),
    knownNodes: () => table.size,
    queueDepth: () => queue.size,
    dialsInFlight: () => dialer.inFlight,
    sink: () => ({ kind: sink.kind, ...sink.stats() }),
    currentFork: () => forks.current(),
  })
  const handshakeOptions = { timeoutMs: config.dialTimeoutMs, gossipWindowMs: config.gossipWindowMs ?? DEFAULT_GOSSIP_WINDOW_MS, clock }
  dialer = new Dialer<HandshakeResult>({
    queue,
    concurrency: config.dialConcurrency,
    clock,
    random: deps.random,
    attemptDeadlineMs: config.dialTimeoutMs * 6 + (config.gossipWindowMs ?? DEFAULT_GOSSIP_WINDOW_MS),
    ...(config.backoffPolicies && { policies: config.backoffPolicies }),
    handshake: (record, signal) => {
      const addrs = dialAddresses(record)
      if (addrs.length === 0) return Promise.reject(new NoAddressError(record))
      return handshake(host, { peerId: record.peerId, multiaddrs: addrs }, { ...handshakeOptions, signal })
    },
    onSuccess: (record, outcome) => handshaked(record, outcome),
    onFailure: (record, cls, error, backoff) => {
      metrics.dials.inc({ outcome: cls, direction: 'outbound' })
      metrics.handshakes.inc({ result: 'failure', client: 'unknown' })
      logger.debug('dial failed', { peer: record.peerId, class: cls, error, failures: backoff.failures, retry_in_ms: backoff.retryAtMs - clock.now() })
    },
    onDeferred: () => metrics.deferred.inc(),
  })

  let stopping = false
  const stopController = new AbortController()
  const inboundInFlight = new Set<Promise<void>>()

  function emit<T extends EventType>(type: T, event: EventOf<T>): void {
    metrics.events.inc({ type })
    sink.publish(type, event)
  }

  function handshaked(record: NodeRecord, outcome: HandshakeResult): void {
    const h: Handshake = { ...outcome, record, epoch: forks.current().epoch }
    metrics.dials.inc({ outcome: 'success', direction: outcome.direction })
    metrics.handshakes.inc({ result: 'success', client: clientFamily(outcome.agentVersion) })
    metrics.handshakeLatency.observe({ direction: outcome.direction }, outcome.latencyMs / 1000)
    metrics.lastHandshake.set(clock.now() / 1000)
    emit('metadata_received', metadataReceived(h, identity, clock.now()))
  }

  /** A peer that dialed us: handshaked over its own connection, once at a time per peer. */
  async function inbound(connection: Connection): Promise<void> {
    if (stopping || inboundInFlight.size >= config.dialConcurrency) return
    const peerId = connection.remotePeer.toString()
    const nodeId = nodeIdOfPeerId(peerId)
    const record = (nodeId !== undefined && table.get(nodeId)) || inboundRecord(peerId, nodeId)
    const run = handshake(host, { connection }, { ...handshakeOptions, signal: AbortSignal.any([stopController.signal, AbortSignal.timeout(config.dialTimeoutMs * 6)]) })
      .then((outcome) => handshaked(record, outcome))
      .catch((error: unknown) => {
        metrics.dials.inc({ outcome: 'failure', direction: 'inbound' })
        logger.debug('inbound handshake failed', { peer: peerId, error })
      })
      .finally(() => inboundInFlight.delete(run))
    inboundInFlight.add(run)
    await run
  }

  function onFork(state: ForkState): void {
    logger.info('fork digest changed', { fork: state.fork, epoch: state.epoch, fork_digest: state.digestHex })
    discv5.enr.set('eth2', eth2Field(state))
  }

  const { invalidBootnodes } = crawler.start()
  for (const b of invalidBootnodes) logger.warn('bootnode skipped: not a valid ENR', { bootnode: b.slice(0, 60) })
  dialer.start()
  logger.info('sentry started', {
    peer_id: host.peerId,
    network: config.network.name,
    fork: forks.current().fork,
    fork_digest: forks.current().digestHex,
    tcp_port: host.tcpPort,
    discv5_port: config.discv5Port,
    bootnodes: config.bootnodes.length,
  })

  return {
    peerId: host.peerId,
    enr: () => discv5.enr.encodeTxt(),
    tcpPort: host.tcpPort,
    metrics,
    crawler,
    backoffOf: (nodeId) => dialer.backoffOf(nodeId),
    health: () => ({ ok: !stopping, status: stopping ? 'stopping' : 'crawling', known_nodes: table.size, dials_in_flight: dialer.inFlight, ...sink.stats() }),
    async stop(deadlineMs: number) {
      const end = clock.now() + deadlineMs
      stopping = true
      stopController.abort(new Error('the sentry is stopping'))
      forks.stop()
      await Promise.all([crawler.stop(), dialer.stop()])
      await host.stop()
      await Promise.allSettled(inboundInFlight)
      await sink.close(Math.max(0, end - clock.now()))
      logger.info('sentry stopped', { ...sink.stats() })
    },
  }
}

/** A record for a peer that dialed us before discovery found it: its ids, no ENR text. */
function inboundRecord(peerId: string, nodeId: string | undefined): NodeRecord {
  return { enr: '', nodeId: nodeId ?? '', peerId, seq: 0n, problems: [] }
}
