/**
 * The sentry's libp2p node: TCP, Noise, yamux, identify and gossipsub, nothing else. It finds no peers by
 * itself (no peer discovery, no connection monitor pinging peers with /ipfs/ping, which consensus clients
 * do not speak): the crawler decides whom to dial. Its key is the discv5 node's, so that the peer id in its
 * ENR is the one peers see. It answers Status, Ping and MetaData like a well-behaved peer, from `identity()`
 * read per request (the fork digest changes at fork boundaries without a restart).
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { type GossipSub, StrictNoSign, gossipsub } from '@libp2p/gossipsub'
import { type Identify, identify } from '@libp2p/identify'
import type { Connection, PrivateKey, Stream } from '@libp2p/interface'
import { tcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import { type Libp2p, createLibp2p } from 'libp2p'
import { type Answer, serve } from './reqresp.js'
import {
  type MetaData,
  type MetaDataVersion,
  type Status,
  type StatusVersion,
  decodeUint64,
  encodeMetaData,
  encodeStatus,
  encodeUint64,
  protocolIds,
} from './messages.js'

export type SentryServices = { identify: Identify; pubsub: GossipSub }
export type SentryLibp2p = Libp2p<SentryServices>

/** What the sentry says about itself at this moment. */
export type HostIdentity = { status: Status; metadata: MetaData }

export type HostOptions = {
  /** secp256k1: the discv5 node's key. */
  privateKey: PrivateKey
  /** IPv4 or IPv6 address to listen on. */
  listenIp: string
  /** 0: any free port (see `SentryHost.tcpPort`). */
  tcpPort: number
  maxConnections: number
  /** Identify's agent version. */
  agentVersion?: string
  identity: () => HostIdentity
  /** A peer connected to us: the sentry handshakes it too. */
  onInboundPeer?: (connection: Connection) => void
  /** A peer said Goodbye with this reason code. */
  onGoodbye?: (peerId: string, reason: bigint) => void
  /** Bound of each inbound request, from stream open to response written. */
  inboundTimeoutMs?: number
}

export type SentryHost = {
  libp2p: SentryLibp2p
  peerId: string
  /** The TCP port actually listened on. */
  tcpPort: number
  /** Listen addresses with /p2p/<peer id>. */
  multiaddrs: string[]
  /** Our Status and MetaData at this moment (the options' callback). */
  identity: () => HostIdentity
  stop(): Promise<void>
}

export const DEFAULT_AGENT_VERSION = 'valtrack/0.1.0'

/** Pure: the listen multiaddr of an IP and port. */
export function listenAddr(ip: string, port: number): string {
  return `/${ip.includes(':') ? 'ip6' : 'ip4'}/${ip}/tcp/${port}`
}

export async function startHost(opts: HostOptions): Promise<SentryHost> {
  const node = await createLibp2p<SentryServices>({
    privateKey: opts.privateKey,
    addresses: { listen: [listenAddr(opts.listenIp, opts.tcpPort)] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    nodeInfo: { userAgent: opts.agentVersion ?? DEFAULT_AGENT_VERSION },
    connectionManager: { maxConnections: opts.maxConnections },
    connectionMonitor: { enabled: false },
    services: {
      identify: identify(),
      // eth2 gossip carries no signatures or sender fields; the sentry never floods nor joins meshes.
      pubsub: gossipsub({ globalSignaturePolicy: StrictNoSign, fallbackToFloodsub: false, doPX: false, emitSelf: false }),
    },
  })
  await registerHandlers(node, opts)
  node.addEventListener('connection:open', (evt) => {
    if (evt.detail.direction === 'inbound') guarded(() => opts.onInboundPeer?.(evt.detail))
  })
  const multiaddrs = node.getMultiaddrs().map((m) => m.toString())
  return {
    libp2p: node,
    peerId: node.peerId.toString(),
    tcpPort: tcpPortOf(multiaddrs) ?? opts.tcpPort,
    multiaddrs,
    identity: opts.identity,
    stop: async () => {
      await node.stop()
    },
  }
}

/** An exception in an event listener would be an uncaught exception of the process: a callback's bug must not end it. */
function guarded(f: () => void): void {
  try {
    f()
  } catch {
    // The callback's own error; the host carries on.
  }
}

/** Pure: the TCP port of the first address that has one. */
export function tcpPortOf(addrs: string[]): number | undefined {
  for (const a of addrs) {
    const port = multiaddr(a)
      .getComponents()
      .find((c) => c.name === 'tcp')?.value
    if (port !== undefined) return Number(port)
  }
  return undefined
}

/** Pure: the inbound answer to one request, from our identity at this moment. */
export function answerRequest(name: string, version: number, id: HostIdentity): Answer {
  switch (name) {
    case 'status':
      return { ssz: encodeStatus(version as StatusVersion, id.status) }
    case 'metadata':
      return { ssz: encodeMetaData(version as MetaDataVersion, id.metadata) }
    case 'ping':
      return { ssz: encodeUint64(id.metadata.seqNumber) }
    default:
      return null
  }
}

async function registerHandlers(node: SentryLibp2p, opts: HostOptions): Promise<void> {
  const timeoutMs = opts.inboundTimeoutMs ?? 10_000
  const handler =
    (name: 'status' | 'metadata' | 'ping' | 'goodbye') =>
    async (stream: Stream, connection: Connection): Promise<void> => {
      await serve(
        stream,
        ({ version, ssz }) => {
          if (name === 'goodbye' && ssz) {
            const reason = decodeUint64(ssz, 'goodbye')
            guarded(() => opts.onGoodbye?.(connection.remotePeer.toString(), reason))
          }
          return answerRequest(name, version, opts.identity())
        },
        { signal: AbortSignal.timeout(timeoutMs) },
      )
    }
  for (const name of ['status', 'metadata', 'ping', 'goodbye'] as const) await node.handle(protocolIds(name), handler(name))
}
