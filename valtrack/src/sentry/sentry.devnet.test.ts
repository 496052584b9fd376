/**
 * The sentry against real Prysm beacon nodes (the version the stack pins) and a real nats-server, all on
 * loopback inside a network namespace with nothing else (assertIsolatedNetns): devnet 1 has node A and node B
 * (`--subscribe-all-subnets`; the sentry is given only A and must find B through it), devnet 2 has node C (another
 * genesis, so another fork digest) bootstrapping from A. What the events say is compared with what each node
 * reports about itself over its own beacon API.
 */
import { readFile } from 'node:fs/promises'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { AckPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream'
import { connect, type NatsConnection } from '@nats-io/transport-node'
import type { BackoffPolicy, FailureClass } from '../backoff.js'
import { failureClasses } from '../backoff.js'
import { systemClock } from '../clock.js'
import { parseEnr } from '../discovery/enr.js'
import { freeUdpPorts } from '../discovery/syntheticDht.js'
import { type MetadataReceivedEvent, type PeerDiscoveredEvent, validateEvent } from '../events.js'
import { createLogger } from '../logger.js'
import { customNetwork, genesisFromState, type Network } from '../networks.js'
import { startNatsSink } from '../sinks/natsSink.js'
import { newStreamConfig, STREAM_NAME } from '../sinks/streamConfig.js'
import { assertIsolatedNetns, type BeaconNode, identity, peers, restart, startDevnet, startNode, stop, stopAll, waitFor } from '../testing/devnet.js'
import { type NatsServer, startNatsServer } from '../testing/natsServer.js'
import { type Sentry, startSentry } from './sentry.js'

assertIsolatedNetns()

// Short backoffs: the test restarts a node and waits for the retry; production starts refusals at 2 minutes.
const quick: BackoffPolicy = { baseMs: 1000, capMs: 4000 }
const quickPolicies = Object.fromEntries(failureClasses.map((c) => [c, quick])) as Record<FailureClass, BackoffPolicy>

let a: BeaconNode, b: BeaconNode, c: BeaconNode
let nats: NatsServer
let nc: NatsConnection
let sentry: Sentry
let network: Network
const logLines: string[] = []
/** Peer ids by node name: a node keeps its key across restarts. */
const peerIds = new Map<string, string>()
const idOf = (n: BeaconNode) => peerIds.get(n.name)!

async function loadNetwork(configPath: string, genesisPath: string, bootnodes: string[]): Promise<Network> {
  const g = genesisFromState(await readFile(genesisPath))
  if (!g.ok) throw new Error(g.error)
  const n = customNetwork(await readFile(configPath, 'utf8'), g.value, bootnodes)
  if (!n.ok) throw new Error(n.error)
  return n.value
}

/** Every event in the stream so far, through a durable consumer of the test's own. */
async function streamEvents(): Promise<{ subject: string; data: Record<string, unknown> }[]> {
  const js = jetstream(nc)
  const consumer = await js.consumers.get(STREAM_NAME, 'devnet-test')
  const out: { subject: string; data: Record<string, unknown> }[] = []
  for (;;) {
    const batch = await consumer.fetch({ max_messages: 500, expires: 1000 })
    let n = 0
    for await (const m of batch) {
      out.push({ subject: m.subject, data: m.json() })
      m.ack()
      n++
    }
    if (n === 0) return out
  }
}
const seen: { subject: string; data: Record<string, unknown> }[] = []
async function events(): Promise<typeof seen> {
  seen.push(...(await streamEvents()))
  return seen
}
/** The first metadata_received of `node` after `after` (unix ms), of either direction unless one is given. */
const metadataOf = async (node: BeaconNode, after = 0, direction?: 'outbound' | 'inbound') =>
  (await events())
    .filter((e) => e.subject === 'events.metadata_received')
    .map((e) => e.data as unknown as MetadataReceivedEvent)
    .find((e) => e.id === idOf(node) && e.timestamp > after && (direction === undefined || e.direction === direction))

function sample(text: string, name: string, labels: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}} `))
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1))
}

beforeAll(async () => {
  const one = await startDevnet({ name: 'one', numValidators: 64 })
  const two = await startDevnet({ name: 'two', numValidators: 72 })
  a = await startNode({ name: 'a', genesis: one })
  const enrA = (await identity(a)).enr
  b = await startNode({ name: 'b', genesis: one, bootnodes: [enrA], subscribeAllSubnets: true })
  c = await startNode({ name: 'c', genesis: two, bootnodes: [enrA] })
  for (const n of [a, b, c]) peerIds.set(n.name, (await identity(n)).peer_id)
  nats = await startNatsServer()
  nc = await connect({ servers: nats.url })
  const jsm = await jetstreamManager(nc)
  // Interest retention keeps a message only for consumers that exist: the test's durable comes first.
  await jsm.streams.add(newStreamConfig())
  await jsm.consumers.add(STREAM_NAME, { durable_name: 'devnet-test', ack_policy: AckPolicy.Explicit })
  network = await loadNetwork(one.configPath, one.genesisPath, [enrA])
  const [udp] = await freeUdpPorts(1)
  sentry = await startSentry(
    {
      network,
      bootnodes: [enrA],
      dialConcurrency: 4,
      dialTimeoutMs: 5000,
      // Known nodes are visited (and handshaked) again every 10 s: the restart test needs a visit of the stopped node.
      revisitPeriodMs: 10_000,
      listenIp: '127.0.0.1',
      externalIp: '127.0.0.1',
      p2pTcpPort: 0,
      discv5Port: udp!,
      crawlerLocation: 'devnet',
      backoffPolicies: quickPolicies,
    },
    {
      privateKey: await generateKeyPair('secp256k1'),
      clock: systemClock,
      random: Math.random,
      logger: createLogger('debug', (l) => logLines.push(l)),
      sink: startNatsSink({ servers: nats.url }),
    },
  )
}, 240_000)

afterAll(async () => {
  await sentry?.stop(3000)
  await nc?.close()
  await nats?.dispose()
  await stopAll()
})


test('every same-digest node is discovered and handshaked; its Status and MetaData are what it reports about itself', async () => {
  for (const node of [a, b]) {
    // Prysm may dial the sentry first (it finds its ENR over discv5): that handshake is "inbound"; the sentry's own dial comes too.
    const event = await waitFor(`an outbound metadata_received event of ${node.name}`, () => metadataOf(node, 0, 'outbound'), 120_000, 1000)
    const self = await identity(node)
    const syncing = (await (await fetch(`${node.apiUrl}/eth/v1/node/syncing`)).json()) as { data: { head_slot: string } }
    const enr = parseEnr(self.enr)
    if (!enr.ok) throw new Error(enr.error)
    expect(event.metadata).toEqual({
      seq_number: Number(self.metadata.seq_number),
      attnets: self.metadata.attnets,
      syncnets: self.metadata.syncnets,
    })
    expect(event.custody_group_count).toBe(Number(self.metadata.custody_group_count))
    expect(event.fork_digest).toBe(`0x${Buffer.from(enr.record.eth2!.forkDigest).toString('hex')}`)
    expect(event.head_slot).toBeLessThanOrEqual(Number(syncing.data.head_slot))
    expect(event.protocols).toEqual({ status: 'status/2', metadata: 'metadata/3' })
    expect(event.client_version).toMatch(/^Prysm\/v7\.1\.2\//)
    expect(event.node_id).toBe(enr.record.nodeId)
    expect(self.p2p_addresses.some((addr) => addr.startsWith(event.multiaddr.split('/p2p/')[0]!))).toBe(true)
  }
  // B subscribes to every subnet: its attnets say so, and so do its gossip subscriptions.
  const fromB = (await metadataOf(b))!
  expect(fromB.metadata.attnets).toBe('0xffffffffffffffff')
  expect(fromB.subscribed_subnets).toEqual(Array.from({ length: 64 }, (_, i) => i))
})

test('the node on another fork digest is discovered and counted, and never dialed', async () => {
  const discovered = await waitFor(
    'a peer_discovered event of C',
    async () => (await events()).map((e) => e.data as unknown as PeerDiscoveredEvent).find((e) => e.fork_digest !== null && e.id === idOf(c)),
    60_000,
    1000,
  )
  const cDigest = parseEnr((await identity(c)).enr)
  if (!cDigest.ok) throw new Error(cDigest.error)
  expect(discovered.fork_digest).toBe(`0x${Buffer.from(cDigest.record.eth2!.forkDigest).toString('hex')}`)
  expect((await events()).filter((e) => e.subject === 'events.metadata_received' && e.data.id === idOf(c))).toEqual([])
  const text = await sentry.metrics.registry.metrics()
  expect(sample(text, 'valtrack_discovered_nodes', `fork_digest="${Buffer.from(cDigest.record.eth2!.forkDigest).toString('hex')}"`)).toBe(1)
  expect(text).toMatch(/^valtrack_other_digest_visits_total [1-9]/m)
  // C saw no connection from the sentry.
  expect((await peers(c)).map((p) => p.peer_id)).not.toContain(sentry.peerId)
})

test('events arrive in the stream, on their subjects, in the documented schema', async () => {
  const all = await events()
  expect(all.length).toBeGreaterThanOrEqual(5)
  for (const e of all) {
    const type = e.subject === 'events.peer_discovered' ? 'peer_discovered' : 'metadata_received'
    expect([e.subject, validateEvent(type, e.data)]).toEqual([e.subject, []])
  }
  expect(new Set(all.map((e) => e.subject))).toEqual(new Set(['events.peer_discovered', 'events.metadata_received']))
})

test('a stopped node gives classified dial failures with backoff, and is handshaked again after it restarts', async () => {
  const bNodeId = (await metadataOf(b))!.node_id
  await stop(b)
  // The first failure may be of another class (B was closing its connections as it stopped): wait for two refusals.
  const refusedDials = async () => sample(await sentry.metrics.registry.metrics(), 'valtrack_dials_total', 'outcome="refused",direction="outbound"')
  // Consecutive failures counted in one backoff state (its doubling and cap are dialer.test.ts's).
  await waitFor(
    'two refused dials of B',
    async () => {
      const s = sentry.backoffOf(bNodeId)
      return s !== undefined && s.failures >= 2 && s.lastClass === 'refused' && (await refusedDials()) >= 2 && s
    },
    90_000,
    500,
  )
  const restartedAt = Date.now()
  b = await restart(b)
  const again = await waitFor('B handshaked again', () => metadataOf(b, restartedAt), 120_000, 1000)
  expect(validateEvent('metadata_received', again)).toEqual([])
  await waitFor('the backoff cleared by the success', async () => sentry.backoffOf(bNodeId) === undefined || undefined, 30_000, 500)
})

test('the metrics show all of it', async () => {
  const text = await sentry.metrics.registry.metrics()
  const digestA = Buffer.from((parseEnr((await identity(a)).enr) as { ok: true; record: { eth2: { forkDigest: Uint8Array } } }).record.eth2.forkDigest).toString('hex')
  expect(sample(text, 'valtrack_discovered_nodes', `fork_digest="${digestA}"`)).toBe(2)
  expect(sample(text, 'valtrack_handshakes_total', 'result="success",client="prysm"')).toBeGreaterThanOrEqual(3)
  expect(sample(text, 'valtrack_dials_total', 'outcome="success",direction="outbound"') + sample(text, 'valtrack_dials_total', 'outcome="success",direction="inbound"')).toBeGreaterThanOrEqual(3)
  expect(text).toMatch(/^valtrack_handshake_latency_seconds_count\{direction="outbound"\} [1-9]/m)
  expect(sample(text, 'valtrack_events_published_total', 'sink="nats"')).toBeGreaterThanOrEqual(5)
  expect(sample(text, 'valtrack_events_dropped_total', 'sink="nats"')).toBe(0)
  expect(text).toMatch(/^valtrack_crawl_rounds_total [1-9]/m)
  expect(sample(text, 'valtrack_fork_digest_info', `fork_digest="${digestA}",fork="fulu"`)).toBe(1)
})
