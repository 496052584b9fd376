import { generateKeyPair } from '@libp2p/crypto/keys'
import type { Connection } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { type AddressInfo, Server, Socket } from 'node:net'
import { trackTimers } from '../testing/p2pTimers.js'
import { DIGEST_A, DIGEST_B, TestHosts, peerIdentity, sentryIdentity } from '../testing/p2pHosts.js'
import { listenAddr, tcpPortOf } from './host.js'
import { MessageDecoder } from './codec.js'
import { GoodbyeReason, bodyBounds, decodeMetaData, decodeStatus, decodeUint64, encodeStatus, encodeUint64 } from './messages.js'
import { readMessage, request, send } from './reqresp.js'

const hosts = new TestHosts()
afterEach(() => hosts.stopAll())

const signal = () => AbortSignal.timeout(5000)

/** Sockets and servers on any of `ports` (undocumented but stable node API: the handles keeping the loop alive). */
function handlesOn(ports: number[]): string[] {
  const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles()
  return handles.flatMap((h) => {
    if (h instanceof Server) return ports.includes((h.address() as AddressInfo | null)?.port ?? -1) ? ['server'] : []
    if (h instanceof Socket) return ports.includes(h.localPort ?? -1) || ports.includes(h.remotePort ?? -1) ? ['socket'] : []
    return []
  })
}

test('stop closes listeners, connections and timers', async () => {
  const timers = trackTimers()
  try {
    const a = await hosts.start()
    const b = await hosts.start()
    const conn = await b.libp2p.dial(multiaddr(a.multiaddrs[0]!), { signal: signal() })
    await request(conn, 'metadata', () => null, { signal: signal() })
    b.libp2p.services.pubsub.subscribe('/eth2/aabbccdd/beacon_attestation_1/ssz_snappy')
    const ports = [a.tcpPort, b.tcpPort]
    // Both listeners and both ends of the connection (b's dialing socket has a's port as its remote port).
    expect(handlesOn(ports).sort()).toEqual(['server', 'server', 'socket', 'socket'])
    expect(timers.pending()).toBeGreaterThan(0)
    await hosts.stopAll()
    // Sockets close on the next turns of the event loop.
    await until(() => handlesOn(ports).length === 0, 2000).catch(() => undefined)
    expect(handlesOn(ports)).toEqual([])
    // libp2p 3's AddressManager debounces a peer-store update by 1 s when its listeners close, and does not
    // cancel it on stop: that one timer outlives stop() by up to a second (nothing of ours does).
    await until(() => timers.pending() === 0, 3000).catch(() => undefined)
    expect(timers.pending()).toBe(0)
  } finally {
    timers.restore()
  }
})

test('listen addresses: IPv4 and IPv6; the TCP port of an address list', () => {
  expect(listenAddr('127.0.0.1', 0)).toBe('/ip4/127.0.0.1/tcp/0')
  expect(listenAddr('::', 9000)).toBe('/ip6/::/tcp/9000')
  expect(tcpPortOf(['/ip4/127.0.0.1/udp/9000', '/ip4/127.0.0.1/tcp/9123/p2p/16Uiu2HAmVqjMPf8C6GvSUyr2N3ysRmkqKqG2XCF2kSL8vJcyjdRY'])).toBe(9123)
  expect(tcpPortOf(['/ip4/127.0.0.1/udp/9000'])).toBeUndefined()
})

test('the peer id is the one of the given key; port 0 reports the real port', async () => {
  const privateKey = await generateKeyPair('secp256k1')
  const host = await hosts.start({ privateKey })
  expect(host.peerId).toBe(peerIdFromPrivateKey(privateKey).toString())
  expect(host.tcpPort).toBeGreaterThan(0)
  expect(host.multiaddrs).toContain(`/ip4/127.0.0.1/tcp/${host.tcpPort}/p2p/${host.peerId}`)
})

test('a peer dialing us gets our Status, Ping and MetaData, and onInboundPeer fires with its connection', async () => {
  const inbound: Connection[] = []
  const goodbyes: [string, bigint][] = []
  const ours = sentryIdentity()
  const sentry = await hosts.start({ identity: () => ours, onInboundPeer: (c) => inbound.push(c), onGoodbye: (p, r) => goodbyes.push([p, r]) })
  const peer = await hosts.start()
  const conn = await peer.libp2p.dial(multiaddr(sentry.multiaddrs[0]!), { signal: signal() })

  const status = await request(conn, 'status', (v) => encodeStatus(v as 2, peerIdentity().status), { signal: signal() })
  expect(status.version).toBe(2)
  expect(decodeStatus(2, status.ssz)).toEqual(ours.status)
  const ping = await request(conn, 'ping', () => encodeUint64(5n), { signal: signal() })
  expect(decodeUint64(ping.ssz, 'ping')).toBe(ours.metadata.seqNumber)
  const metadata = await request(conn, 'metadata', () => null, { signal: signal() })
  expect(metadata.version).toBe(3)
  expect(decodeMetaData(3, metadata.ssz)).toEqual(ours.metadata)
  await send(conn, 'goodbye', encodeUint64(GoodbyeReason.clientShutdown), { signal: signal() })

  await until(() => goodbyes.length > 0)
  expect(goodbyes).toEqual([[peer.peerId, 1n]])
  expect(inbound.map((c) => c.remotePeer.toString())).toEqual([peer.peerId])
  expect(inbound[0]!.direction).toBe('inbound')
})

test('a throwing onInboundPeer or onGoodbye does not end the process, and the host keeps answering', async () => {
  const boom = () => {
    throw new Error('a bug of the callback')
  }
  let uncaught: unknown
  const onUncaught = (e: unknown) => (uncaught = e)
  process.on('uncaughtException', onUncaught)
  try {
    const sentry = await hosts.start({ identity: () => sentryIdentity(), onInboundPeer: boom, onGoodbye: boom })
    const peer = await hosts.start()
    const conn = await peer.libp2p.dial(multiaddr(sentry.multiaddrs[0]!), { signal: signal() })
    await send(conn, 'goodbye', encodeUint64(GoodbyeReason.clientShutdown), { signal: signal() })
    const status = await request(conn, 'status', (v) => encodeStatus(v as 2, peerIdentity().status), { signal: signal() })
    expect(decodeStatus(2, status.ssz).forkDigest).toEqual(DIGEST_A)
    expect(uncaught).toBeUndefined()
  } finally {
    process.off('uncaughtException', onUncaught)
  }
})

test('the identity is read per request: a fork boundary changes the digest without a restart', async () => {
  let digest = DIGEST_A
  const sentry = await hosts.start({ identity: () => sentryIdentity(digest) })
  const peer = await hosts.start()
  const conn = await peer.libp2p.dial(multiaddr(sentry.multiaddrs[0]!), { signal: signal() })
  const ask = async () => decodeStatus(2, (await request(conn, 'status', (v) => encodeStatus(v as 2, peerIdentity().status), { signal: signal() })).ssz).forkDigest
  expect(await ask()).toEqual(DIGEST_A)
  digest = DIGEST_B
  expect(await ask()).toEqual(DIGEST_B)
})

test('older MetaData versions are answered in their own encoding: metadata/2, metadata/1', async () => {
  const ours = sentryIdentity()
  const sentry = await hosts.start({ identity: () => ours })
  const peer = await hosts.start()
  const conn = await peer.libp2p.dial(multiaddr(sentry.multiaddrs[0]!), { signal: signal() })
  for (const [version, expected] of [
    [2, { seqNumber: 1n, attnets: ours.metadata.attnets, syncnets: ours.metadata.syncnets }],
    [1, { seqNumber: 1n, attnets: ours.metadata.attnets }],
  ] as const) {
    const stream = await conn.newStream(`/eth2/beacon_chain/req/metadata/${version}/ssz_snappy`, { signal: signal() })
    const reading = readMessage(stream, new MessageDecoder('response', bodyBounds('metadata', version, 'response')), signal())
    await stream.close()
    expect(decodeMetaData(version, (await reading).ssz)).toEqual(expected)
  }
})

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 20))
  }
}
