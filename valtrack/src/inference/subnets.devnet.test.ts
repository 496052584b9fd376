/**
 * Long-lived attestation subnets against real Prysm beacon nodes (v7.1.2, src/testing/devnet.ts): one devnet,
 * A (no bootnodes), B (--subscribe-all-subnets, bootstrapping from A) and C (bootstrapping from A). For each
 * node the node id from its ENR and the epoch at the devnet's clock must give, with computeSubscribedSubnets,
 * exactly the subnets of the attnets its MetaData (beacon API identity) and its ENR advertise; B must be
 * flagged 'all'. The values seen are logged as `[vector] {...}` lines: src/inference/prysmVectors.ts holds a
 * set captured this way, checked by the unit tests.
 *
 * A second devnet's genesis lies 300 epochs in the past: its node's head stays at genesis (nothing to sync
 * from) while the clock says epoch 300. Prysm advertises the pair of the clock epoch at once (not the
 * epoch-0 pair, and without being synced): the sentry must compute long-lived subnets with its own clock.
 *
 * Then the real sentry (src/sentry/sentry.ts, with a memory sink) handshakes A, B and C: their
 * metadata_received events, with the gossip subscriptions Prysm really sent, go through inferFromEvent and
 * the ValidatorEstimator. With no validator client, A and C subscribe to their long-lived pair only (no
 * short-lived subnets: 0 validators, 'match'); B to all 64 ('all': unknown).
 */
import { readFile } from 'node:fs/promises'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { systemClock } from '../clock.js'
import { parseEnr } from '../discovery/enr.js'
import { freeUdpPorts } from '../discovery/syntheticDht.js'
import { createLogger } from '../logger.js'
import { customNetwork, genesisFromState } from '../networks.js'
import { startSentry } from '../sentry/sentry.js'
import { MemorySink } from '../testing/memorySink.js'
import { type BeaconNode, type Devnet, type NodeIdentity, assertIsolatedNetns, devnetTools, identity, startDevnet, startNode, stopAll, waitFor, waitForPeer } from '../testing/devnet.js'
import { attnetsToSubnets, checkAttnets, computeSubscribedSubnets, nodeIdToBigInt } from './subnets.js'
import { ValidatorEstimator, inferFromEvent } from './validators.js'
import { eventFromVector } from './prysmVectors.js'

const log = (msg: string) => process.stdout.write(`[inference devnet] ${msg}\n`)
const SECONDS_PER_EPOCH = 12 * 32
const bytesOfHex = (h: string) => Uint8Array.from(Buffer.from(h.replace(/^0x/, ''), 'hex'))

describe('long-lived subnets of real Prysm nodes', () => {
  let devnet: Devnet
  const nodes: Record<'A' | 'B' | 'C', BeaconNode> = {} as never
  /** What the beacon API reported the moment it first answered (before any wait): attnets, seq, seconds since genesis. */
  const first: Record<string, { attnets: string; seq: string; secondsSinceGenesis: number }> = {}
  const firstLook = async (name: 'A' | 'B' | 'C') => {
    const i = await identity(nodes[name])
    first[name] = { attnets: i.metadata.attnets, seq: i.metadata.seq_number, secondsSinceGenesis: Math.round(Date.now() / 1000 - devnet.genesisTime) }
    return i
  }

  beforeAll(async () => {
    assertIsolatedNetns()
    devnetTools()
    devnet = await startDevnet({ name: 'inference', numValidators: 64 })
    nodes.A = await startNode({ name: 'A', genesis: devnet, disableQuic: true })
    const idA = await firstLook('A')
    nodes.B = await startNode({ name: 'B', genesis: devnet, bootnodes: [idA.enr], subscribeAllSubnets: true, disableQuic: true })
    await firstLook('B')
    nodes.C = await startNode({ name: 'C', genesis: devnet, bootnodes: [idA.enr], disableQuic: true })
    await firstLook('C')
    await waitForPeer(nodes.B, idA.peer_id)
    await waitForPeer(nodes.C, idA.peer_id)
  })

  afterAll(async () => {
    await stopAll()
  })

  test('node id and epoch give the advertised attnets (MetaData and ENR); the subscribe-all node is flagged', async () => {
    const epochNow = () => Math.floor((Date.now() / 1000 - devnet.genesisTime) / SECONDS_PER_EPOCH)
    for (const name of ['A', 'B', 'C'] as const) {
      const node = nodes[name]
      const t0 = Date.now()
      // Prysm sets its long-lived subnets in a loop that runs once a slot; until then attnets may be all zero.
      const id: NodeIdentity = await waitFor(
        `${name} to advertise attnets`,
        async () => {
          const i = await identity(node)
          return i.metadata.attnets !== '0x0000000000000000' && i
        },
        60_000,
      )
      const epoch = epochNow()
      const parsed = parseEnr(id.enr)
      if (!parsed.ok) throw new Error(parsed.error)
      const record = parsed.record
      const nodeId = nodeIdToBigInt(record.nodeId)!
      const longLived = computeSubscribedSubnets(nodeId, epoch)
      const attnets = bytesOfHex(id.metadata.attnets)
      const vector = {
        name,
        enr: id.enr,
        firstSeen: first[name],
        subscribeAll: name === 'B',
        nodeId: record.nodeId,
        epoch,
        attnets: id.metadata.attnets,
        enrAttnets: record.attnets ? `0x${Buffer.from(record.attnets).toString('hex')}` : null,
        metadataSeq: id.metadata.seq_number,
        secondsSinceGenesis: Math.round(Date.now() / 1000 - devnet.genesisTime),
        waitedMs: Date.now() - t0,
        computed: longLived,
      }
      log(`[vector] ${JSON.stringify(vector)}`)
      expect(epoch).toBe(0)
      expect(vector.enrAttnets).toBe(id.metadata.attnets)
      if (name === 'B') {
        expect(id.metadata.attnets).toBe('0xffffffffffffffff')
        expect(checkAttnets(attnets, longLived)).toBe('all')
      } else {
        expect(attnetsToSubnets(attnets)).toEqual([...longLived].sort((a, b) => a - b))
        expect(checkAttnets(attnets, longLived)).toBe('match')
      }
      // The same through the inference of a metadata_received event built from these values.
      const inferred = inferFromEvent(eventFromVector({ nodeId: record.nodeId, epoch, attnets: id.metadata.attnets }, []))
      expect(inferred.attnets_check).toBe(name === 'B' ? 'all' : 'match')
      expect(inferred.long_lived_subnets).toEqual(longLived)
    }
  })

  test("the sentry's real metadata_received events: no short-lived subnets without validators; B unknown", async () => {
    const g = genesisFromState(await readFile(devnet.genesisPath))
    if (!g.ok) throw new Error(g.error)
    const enrA = (await identity(nodes.A)).enr
    const network = customNetwork(devnet.configYaml, g.value, [enrA])
    if (!network.ok) throw new Error(network.error)
    const sink = new MemorySink()
    const [udp] = await freeUdpPorts(1)
    const sentry = await startSentry(
      {
        network: network.value,
        bootnodes: [enrA],
        dialConcurrency: 4,
        dialTimeoutMs: 5000,
        revisitPeriodMs: 10_000,
        listenIp: '127.0.0.1',
        externalIp: '127.0.0.1',
        p2pTcpPort: 0,
        discv5Port: udp!,
        crawlerLocation: 'devnet',
      },
      { privateKey: await generateKeyPair('secp256k1'), clock: systemClock, random: Math.random, logger: createLogger('warn', () => {}), sink },
    )
    try {
      const ids = Object.fromEntries(await Promise.all((['A', 'B', 'C'] as const).map(async (n) => [n, parseEnr((await identity(nodes[n])).enr)] as const)))
      const nodeIdOf = (n: 'A' | 'B' | 'C') => {
        const r = ids[n]!
        if (!r.ok) throw new Error(r.error)
        return r.record.nodeId
      }
      // A node just started may not have subscribed to any gossip topic yet when the sentry's window closes
      // (seen: C, started last, gave [] on its first handshake): wait for a handshake with subscriptions.
      const events = await waitFor(
        'metadata_received events of A, B and C with gossip subscriptions',
        async () => {
          const got = (['A', 'B', 'C'] as const).map((n) => sink.of('metadata_received').find((e) => e.node_id === nodeIdOf(n) && e.subscribed_subnets.length > 0))
          return got.every((e) => e !== undefined) && got
        },
        120_000,
        1000,
      )
      // Those without any: incomplete, so unknown, never "0 validators".
      for (const e of sink.of('metadata_received').filter((e) => e.subscribed_subnets.length === 0)) {
        log(`[event] without subscriptions: ${e.node_id} ${e.direction} at ${e.timestamp}`)
        const inf = inferFromEvent(e)
        expect(inf.estimated_validators).toBeNull()
        expect(inf.basis).toBe(inf.attnets_check === 'all' ? 'subscribe_all' : 'incomplete_subscriptions')
      }
      const estimator = new ValidatorEstimator()
      for (const [i, n] of (['A', 'B', 'C'] as const).entries()) {
        const e = events[i]!
        log(`[event] ${n} ${JSON.stringify({ node_id: e.node_id, epoch: e.epoch, attnets: e.metadata.attnets, subscribed_subnets: e.subscribed_subnets, client_version: e.client_version })}`)
        const inf = inferFromEvent(e)
        estimator.observe(e)
        if (n === 'B') {
          expect(e.subscribed_subnets).toEqual(Array.from({ length: 64 }, (_, s) => s))
          expect(inf).toMatchObject({ attnets_check: 'all', estimated_validators: null, confidence: 0 })
        } else {
          expect(e.subscribed_subnets).toEqual([...inf.long_lived_subnets].sort((x, y) => x - y))
          expect(inf).toMatchObject({ attnets_check: 'match', short_lived_subnets: [], estimated_validators: 0, basis: 'match' })
        }
      }
      expect(estimator.aggregate()).toMatchObject({ peers: 3, peers_estimated: 2, peers_unknown: 1, peers_with_validators: 0, total_estimated_validators: 0 })
      expect(estimator.aggregate().by_client_family.prysm.peers).toBe(3)
    } finally {
      await sentry.stop(3000)
    }
  })
})

describe('a real Prysm node 300 epochs after genesis, head still at genesis', () => {
  afterAll(async () => {
    await stopAll()
  })

  test("advertises the clock epoch's long-lived pair from its first answer", async () => {
    assertIsolatedNetns()
    const genesisTime = Math.floor(Date.now() / 1000) - 300 * SECONDS_PER_EPOCH - 100
    const devnet = await startDevnet({ name: 'inference-past', numValidators: 64, genesisTime })
    const node = await startNode({ name: 'P', genesis: devnet, disableQuic: true })
    const id = await identity(node)
    const epoch = Math.floor((Date.now() / 1000 - genesisTime) / SECONDS_PER_EPOCH)
    const parsed = parseEnr(id.enr)
    if (!parsed.ok) throw new Error(parsed.error)
    const nodeId = nodeIdToBigInt(parsed.record.nodeId)!
    const longLived = computeSubscribedSubnets(nodeId, epoch)
    log(
      `[vector] ${JSON.stringify({ name: 'P', enr: id.enr, nodeId: parsed.record.nodeId, epoch, attnets: id.metadata.attnets, metadataSeq: id.metadata.seq_number, computed: longLived, computedAtEpoch0: computeSubscribedSubnets(nodeId, 0) })}`,
    )
    expect(epoch).toBe(300)
    expect(attnetsToSubnets(bytesOfHex(id.metadata.attnets))).toEqual([...longLived].sort((a, b) => a - b))
    expect(`0x${Buffer.from(parsed.record.attnets!).toString('hex')}`).toBe(id.metadata.attnets)
    // (epoch + node_id % 256) // 256 is 1 or 2 at epoch 300, never 0: another seed than at genesis. The pair
    // may still coincide by chance (1 in 64); when it does not, the epoch-0 pair must be flagged.
    const atGenesis = computeSubscribedSubnets(nodeId, 0)
    if (atGenesis.join() !== longLived.join()) expect(checkAttnets(bytesOfHex(id.metadata.attnets), atGenesis)).toBe('differs')
  })
})
