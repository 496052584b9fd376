import { generateKeyPair } from '@libp2p/crypto/keys'
import type { Connection } from '@libp2p/interface'
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { type Server, type Socket, createServer } from 'node:net'
import { metadataReceived } from '../events.js'
import { classifyFailure } from '../failures.js'
import { GatedClock } from '../testing/p2pClock.js'
import { DIGEST_A, DIGEST_B, TestHosts, override, peerIdentity, sentryIdentity, unhandle } from '../testing/p2pHosts.js'
import { encodeResponse, encodeVarint } from './codec.js'
import { attestationTopic } from './gossip.js'
import { IrrelevantNetworkError, dialAddrs, handshake, reasonFor } from './handshake.js'
import type { HostOptions, SentryHost } from './host.js'
import { CodecError } from './codec.js'
import { encodeStatus } from './messages.js'

const hosts = new TestHosts()
const servers: Server[] = []
afterEach(async () => {
  await hosts.stopAll()
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))))
})

const hexA = Buffer.from(DIGEST_A).toString('hex')
const AGENT = 'Prysm/v7.1.2/test'

async function setup(peerOpts: Partial<HostOptions> = {}) {
  const sentry = await hosts.start({ identity: () => sentryIdentity() })
  const goodbyes: bigint[] = []
  const peer = await hosts.start({ agentVersion: AGENT, onGoodbye: (_, r) => goodbyes.push(r), ...peerOpts })
  const target = { peerId: peer.peerId, multiaddrs: [`/ip4/127.0.0.1/tcp/${peer.tcpPort}`] }
  return { sentry, peer, goodbyes, target }
}

/** Handshake failure: its class and the error. */
async function failing(p: Promise<unknown>): Promise<{ cls: string; error: unknown }> {
  try {
    await p
  } catch (error) {
    return { cls: classifyFailure(error), error }
  }
  throw new Error('expected the handshake to fail')
}

const opened = () => new GatedClock([0], true)

test('two hosts: every field is what the other side was configured with', async () => {
  const { sentry, peer, goodbyes, target } = await setup()
  const pubsub = peer.libp2p.services.pubsub
  const t17 = attestationTopic(hexA, 17)
  for (const n of [0, 5, 17, 63]) pubsub.subscribe(attestationTopic(hexA, n))
  pubsub.subscribe(attestationTopic('11223344', 9)) // another digest
  pubsub.subscribe(`/eth2/${hexA}/beacon_block/ssz_snappy`) // not an attestation subnet
  const clock = new GatedClock([1000, 1250])
  // Once the sentry has seen subnet 17 subscribed, the peer unsubscribes; once that is seen too, the window ends.
  sentry.libp2p.services.pubsub.addEventListener('subscription-change', (evt) => {
    if (evt.detail.peerId.toString() !== peer.peerId) return
    for (const s of evt.detail.subscriptions) if (s.topic === t17) s.subscribe ? pubsub.unsubscribe(t17) : clock.open()
  })

  const h = await handshake(sentry, target, { timeoutMs: 5000, clock })

  expect(h.subscribedSubnets).toEqual([0, 5, 63])
  expect(h.status).toEqual(peerIdentity().status)
  expect(h.metadata).toEqual(peerIdentity().metadata)
  expect(h).toMatchObject({
    peerId: peer.peerId,
    multiaddr: `/ip4/127.0.0.1/tcp/${peer.tcpPort}/p2p/${peer.peerId}`,
    agentVersion: AGENT,
    protocols: { status: 'status/2', metadata: 'metadata/3' },
    direction: 'outbound',
    latencyMs: 250,
  })
  await until(() => goodbyes.length > 0)
  expect(goodbyes).toEqual([129n])
  await until(() => sentry.libp2p.getConnections().length === 0)
  expect(await sentry.libp2p.peerStore.has(peerIdFromString(peer.peerId))).toBe(false)
})

test('a peer on an older fork: status/1 and metadata/2 are negotiated; syncnets present, no custody', async () => {
  const { sentry, peer, target } = await setup()
  await unhandle(peer, ['status', 2], ['metadata', 3])
  const h = await handshake(sentry, target, { timeoutMs: 5000, clock: opened() })
  expect(h.protocols).toEqual({ status: 'status/1', metadata: 'metadata/2' })
  const { earliestAvailableSlot: _, ...status1 } = peerIdentity().status
  expect(h.status).toEqual(status1)
  expect(h.metadata.syncnets).toEqual(peerIdentity().metadata.syncnets)
  expect(h.metadata.custodyGroupCount).toBeUndefined()
  const record = { enr: 'enr:-', nodeId: '00'.repeat(32), peerId: h.peerId, seq: 1n, problems: [] }
  const event = metadataReceived({ ...h, record, epoch: 0 }, { crawlerId: 'c', crawlerLocation: '' }, 0)
  expect(event.custody_group_count).toBeNull()
  expect(event.metadata.syncnets).toBe('0x05')
})

test('a peer on another fork digest: irrelevant_network, and it is told Goodbye 2', async () => {
  const { sentry, goodbyes, target } = await setup({ identity: () => peerIdentity(DIGEST_B) })
  const { cls, error } = await failing(handshake(sentry, target, { timeoutMs: 5000, clock: opened() }))
  expect(cls).toBe('irrelevant_network')
  expect(error).toBeInstanceOf(IrrelevantNetworkError)
  await until(() => goodbyes.length > 0)
  expect(goodbyes).toEqual([2n])
})

test('a peer resetting every req/resp stream: reset', async () => {
  const { sentry, peer, target } = await setup()
  for (const v of [2, 1]) await override(peer, 'status', v, (stream) => stream.abort(new Error('no')))
  expect((await failing(handshake(sentry, target, { timeoutMs: 5000, clock: opened() }))).cls).toBe('reset')
})

test.each([
  ['oversized', Uint8Array.of(0, ...encodeVarint(10_000_000))],
  ['truncated', encodeResponse(encodeStatus(2, peerIdentity().status)).subarray(0, 30)],
])('a %s Status response fails the handshake so, with Goodbye 3', async (cls, bytes) => {
  const { sentry, peer, goodbyes, target } = await setup()
  await override(peer, 'status', 2, async (stream) => {
    stream.send(bytes)
    await stream.close()
  })
  expect((await failing(handshake(sentry, target, { timeoutMs: 5000, clock: opened() }))).cls).toBe(cls)
  await until(() => goodbyes.length > 0)
  expect(goodbyes).toEqual([3n])
})

test('another identity at the address: identity_mismatch', async () => {
  const { sentry, target } = await setup()
  const other = peerIdFromPrivateKey(await generateKeyPair('secp256k1')).toString()
  const { cls } = await failing(handshake(sentry, { ...target, peerId: other }, { timeoutMs: 5000, clock: opened() }))
  expect(cls).toBe('identity_mismatch')
})

test('a closed port: refused', async () => {
  const { sentry, peer, target } = await setup()
  await peer.stop()
  expect((await failing(handshake(sentry, target, { timeoutMs: 5000, clock: opened() }))).cls).toBe('refused')
})

test('a TCP server that accepts and never answers: timeout', async () => {
  const sentry = await hosts.start({ identity: () => sentryIdentity() })
  // It reads (and drops) what comes, so that it sees the sentry close the connection.
  let accepted = 0
  const open = new Set<Socket>()
  const server = createServer((socket) => {
    accepted++
    open.add(socket)
    socket.on('close', () => open.delete(socket)).resume()
  })
  servers.push(server)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as { port: number }).port
  const peerId = peerIdFromPrivateKey(await generateKeyPair('secp256k1')).toString()
  const { cls } = await failing(handshake(sentry, { peerId, multiaddrs: [`/ip4/127.0.0.1/tcp/${port}`] }, { timeoutMs: 500, clock: opened() }))
  expect(cls).toBe('timeout')
  // The sentry gave up on the socket, not just on the promise.
  expect(accepted).toBe(1)
  await until(() => open.size === 0)
})

test("the caller's signal aborts a handshake in its gossip window", async () => {
  const { sentry, target } = await setup()
  const controller = new AbortController()
  const clock = new GatedClock([0])
  // The window never ends by itself; the peer has answered MetaData when the sentry asks for its subscriptions.
  sentry.libp2p.addEventListener('peer:identify', () => setTimeout(() => controller.abort(), 200))
  const { cls } = await failing(handshake(sentry, target, { timeoutMs: 5000, clock, signal: controller.signal }))
  expect(cls).toBe('timeout')
  await until(() => sentry.libp2p.getConnections().length === 0)
})

test('inbound: a peer that dials the sentry is handshaked over its own connection', async () => {
  const clock = new GatedClock([10, 17])
  let run: Promise<Awaited<ReturnType<typeof handshake>>> | undefined
  let sentry: SentryHost | undefined
  const onInboundPeer = (c: Connection) => (run = handshake(sentry!, { connection: c }, { timeoutMs: 5000, clock }))
  sentry = await hosts.start({ identity: () => sentryIdentity(), onInboundPeer })
  const peer = await hosts.start({ agentVersion: AGENT })
  peer.libp2p.services.pubsub.subscribe(attestationTopic(hexA, 0))
  sentry.libp2p.services.pubsub.addEventListener('subscription-change', (evt) => {
    if (evt.detail.peerId.toString() === peer.peerId) clock.open()
  })
  await peer.libp2p.dial(multiaddr(sentry.multiaddrs[0]!))
  await until(() => run !== undefined)
  const h = await run!
  expect(h).toMatchObject({ peerId: peer.peerId, direction: 'inbound', agentVersion: AGENT, latencyMs: 7, subscribedSubnets: [0] })
  expect(h.multiaddr).toMatch(new RegExp(`^/ip4/127\\.0\\.0\\.1/tcp/\\d+/p2p/${peer.peerId}$`))
  expect(h.status).toEqual(peerIdentity().status)
})

describe('pure parts', () => {
  test('dial addresses carry the expected peer id, replacing any other', () => {
    expect(dialAddrs({ peerId: 'P', multiaddrs: ['/ip4/1.2.3.4/tcp/9000', '/ip4/1.2.3.4/tcp/9000/p2p/Q'] })).toEqual([
      '/ip4/1.2.3.4/tcp/9000/p2p/P',
      '/ip4/1.2.3.4/tcp/9000/p2p/P',
    ])
  })

  test('Goodbye reasons after a failure', () => {
    expect(reasonFor(new IrrelevantNetworkError('11223344', 'aabbccdd'))).toBe(2n)
    expect(reasonFor(new CodecError('oversized', 'x'))).toBe(3n)
    expect(reasonFor(Object.assign(new Error('t'), { name: 'TimeoutError' }))).toBeNull()
    expect(reasonFor(Object.assign(new Error('r'), { name: 'StreamResetError' }))).toBeNull()
    expect(reasonFor(Object.assign(new Error('u'), { name: 'UnsupportedProtocolError' }))).toBe(129n)
  })
})

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 20))
  }
}
