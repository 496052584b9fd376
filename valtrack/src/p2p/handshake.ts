/**
 * One visit of a peer: dial (or take its inbound connection), Status, Ping, MetaData, identify's agent
 * version, its gossipsub subscriptions over a short window, then Goodbye and close. Every step is bounded by
 * `timeoutMs` and by the caller's signal; failures are thrown as errors that `classifyFailure` maps.
 *
 * The Goodbye reason: irrelevantNetwork (2) to a peer on another fork digest, faultOrError (3) after a
 * malformed response, and otherwise tooManyPeers (129). 129 is what Prysm itself sends when it prunes healthy
 * peers: it says "nothing wrong with you", so the peer does not score the sentry down or ban it (and the
 * sentry can come back next revisit), where clientShutdown (1) would be a lie and 3 an accusation.
 */
import type { Connection, IdentifyResult } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import type { Clock } from '../clock.js'
import type { Handshake } from '../events.js'
import { classifyFailure } from '../failures.js'
import { CodecError } from './codec.js'
import { collectSubscriptions } from './gossip.js'
import type { HostIdentity, SentryHost } from './host.js'
import {
  GoodbyeReason,
  type MetaData,
  type MetaDataVersion,
  type Status,
  type StatusVersion,
  decodeMetaData,
  decodeStatus,
  decodeUint64,
  encodeStatus,
  encodeUint64,
} from './messages.js'
import { request, send } from './reqresp.js'

export type HandshakeResult = Omit<Handshake, 'record' | 'epoch'> & { subscribedSubnets: number[] }

/** Outbound: the peer id from the ENR and its TCP multiaddr(s), without or with /p2p/<peer id>. */
export type OutboundTarget = { peerId: string; multiaddrs: string[] }
export type InboundTarget = { connection: Connection }

export type HandshakeOptions = {
  /** Bound of each step (dial, each request, identify). */
  timeoutMs: number
  clock: Clock
  /** How long to gather gossipsub subscriptions after MetaData; 2 s like the original. */
  gossipWindowMs?: number
  signal?: AbortSignal
}

export const DEFAULT_GOSSIP_WINDOW_MS = 2000

/** The most a Goodbye waits for the peer to have read it (to close its side) before the connection is closed. */
export const GOODBYE_WAIT_MS = 2000

/** The peer's Status is on another fork digest (it was told Goodbye 2). */
export class IrrelevantNetworkError extends Error {
  constructor(
    readonly theirs: string,
    readonly ours: string,
  ) {
    super(`peer is on fork digest ${theirs}, we are on ${ours}`)
    this.name = 'IrrelevantNetworkError'
  }
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

export async function handshake(host: SentryHost, target: OutboundTarget | InboundTarget, opts: HandshakeOptions): Promise<HandshakeResult> {
  const outer = opts.signal ?? new AbortController().signal
  const step = (ms = opts.timeoutMs): AbortSignal => AbortSignal.any([outer, AbortSignal.timeout(ms)])
  const goodbyeStep = () => step(Math.min(opts.timeoutMs, GOODBYE_WAIT_MS))
  const peerId = 'connection' in target ? target.connection.remotePeer.toString() : target.peerId
  const ours = host.identity()
  const agent = watchAgentVersion(host, peerId)
  const gossip = collectSubscriptions(host.libp2p.services.pubsub, peerId, hex(ours.status.forkDigest))
  const started = opts.clock.now()
  let connection: Connection | undefined
  try {
    connection = 'connection' in target ? target.connection : await dial(host, target, step())
    const visit = await exchange(connection, ours, step)
    const latencyMs = Math.max(0, Math.round(opts.clock.now() - started))
    await sleep(opts.clock, opts.gossipWindowMs ?? DEFAULT_GOSSIP_WINDOW_MS, outer)
    const agentVersion = await agent.get(step())
    const subscribedSubnets = gossip.subnets()
    await goodbye(connection, GoodbyeReason.tooManyPeers, goodbyeStep())
    return {
      peerId,
      multiaddr: withPeerId(connection.remoteAddr.toString(), peerId),
      direction: 'connection' in target ? 'inbound' : 'outbound',
      latencyMs,
      agentVersion,
      subscribedSubnets,
      ...visit,
    }
  } catch (e) {
    const reason = reasonFor(e)
    if (connection && reason !== null && !outer.aborted) await goodbye(connection, reason, goodbyeStep())
    throw e
  } finally {
    gossip.stop()
    agent.stop()
    if (connection) await close(connection, step())
    // The peer store would otherwise keep every peer ever visited (addresses, protocols, identify data).
    await host.libp2p.peerStore.delete(peerIdFromString(peerId)).catch(() => undefined)
  }
}

type Visit = Pick<HandshakeResult, 'status' | 'metadata' | 'protocols'>

/** Status, Ping, MetaData, in that order, as Prysm does. */
async function exchange(connection: Connection, ours: HostIdentity, step: () => AbortSignal): Promise<Visit> {
  const status = await request(connection, 'status', (v) => encodeStatus(v as StatusVersion, ours.status), { signal: step() })
  const theirStatus: Status = decodeStatus(status.version as StatusVersion, status.ssz)
  if (hex(theirStatus.forkDigest) !== hex(ours.status.forkDigest)) throw new IrrelevantNetworkError(hex(theirStatus.forkDigest), hex(ours.status.forkDigest))
  const ping = await request(connection, 'ping', () => encodeUint64(ours.metadata.seqNumber), { signal: step() })
  decodeUint64(ping.ssz, 'ping')
  const metadata = await request(connection, 'metadata', () => null, { signal: step() })
  const theirMetaData: MetaData = decodeMetaData(metadata.version as MetaDataVersion, metadata.ssz)
  return {
    status: theirStatus,
    metadata: theirMetaData,
    protocols: { status: `status/${status.version}`, metadata: `metadata/${metadata.version}` },
  }
}

/**
 * Pure: the Goodbye reason after a failure; null when none is worth sending (the connection is gone, or
 * stalled: a Goodbye would only wait for another timeout).
 */
export function reasonFor(error: unknown): bigint | null {
  if (error instanceof IrrelevantNetworkError) return GoodbyeReason.irrelevantNetwork
  if (error instanceof CodecError) return GoodbyeReason.faultOrError
  const failure = classifyFailure(error)
  if (failure === 'timeout' || failure === 'reset' || failure === 'refused') return null
  return GoodbyeReason.tooManyPeers
}

/** Pure: `addr` ending in /p2p/<peerId> (replacing any peer id it had). */
export function withPeerId(addr: string, peerId: string): string {
  const at = addr.indexOf('/p2p/')
  return `${at >= 0 ? addr.slice(0, at) : addr}/p2p/${peerId}`
}

/** Pure: the addresses to dial, each ending in /p2p/<expected peer id> so that noise checks the identity. */
export const dialAddrs = (target: OutboundTarget): string[] => target.multiaddrs.map((a) => withPeerId(a, target.peerId))

async function dial(host: SentryHost, target: OutboundTarget, signal: AbortSignal): Promise<Connection> {
  const addrs = dialAddrs(target).map((a) => multiaddr(a))
  if (addrs.length === 0) throw new Error('no address to dial')
  return host.libp2p.dial(addrs, { signal })
}

/** Best effort: the peer may already be gone. */
async function goodbye(connection: Connection, reason: bigint, signal: AbortSignal): Promise<void> {
  try {
    await send(connection, 'goodbye', encodeUint64(reason), { signal })
  } catch {
    // Nothing to do: the connection is closed next.
  }
}

async function close(connection: Connection, signal: AbortSignal): Promise<void> {
  try {
    await connection.close({ signal })
  } catch (e) {
    connection.abort(e instanceof Error ? e : new Error(String(e)))
  }
}

/** Identify's result for `peerId` on this visit, else what the peer store has; "" if neither comes in time. */
function watchAgentVersion(host: SentryHost, peerId: string): { get(signal: AbortSignal): Promise<string>; stop(): void } {
  let seen: string | undefined
  let resolveIdentified: (v: string) => void = () => undefined
  const identified = new Promise<string>((resolve) => (resolveIdentified = resolve))
  const onIdentify = (evt: CustomEvent<IdentifyResult>): void => {
    if (evt.detail.peerId.toString() !== peerId) return
    seen = evt.detail.agentVersion ?? ''
    resolveIdentified(seen)
  }
  host.libp2p.addEventListener('peer:identify', onIdentify)
  return {
    get: async (signal) => seen ?? (await storedAgentVersion(host, peerId)) ?? (await raceAbort(identified, signal).catch(() => '')),
    stop: () => host.libp2p.removeEventListener('peer:identify', onIdentify),
  }
}

async function storedAgentVersion(host: SentryHost, peerId: string): Promise<string | undefined> {
  try {
    const v = (await host.libp2p.peerStore.get(peerIdFromString(peerId))).metadata.get('AgentVersion')
    return v ? new TextDecoder().decode(v) : undefined
  } catch {
    // NotFoundError: identify has not stored anything yet.
    return undefined
  }
}

function raceAbort<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason)
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
  })
}

/** Waits `ms` on the injected clock; rejects with the signal's reason if it aborts first. */
export function sleep(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason)
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      clock.clearTimeout(timer)
      reject(signal.reason)
    }
    const timer = clock.setTimeout(() => {
      signal.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal.addEventListener('abort', onAbort, { once: true })
  })
}
