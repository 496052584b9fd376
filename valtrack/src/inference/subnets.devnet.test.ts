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
 */
import { parseEnr } from '../discovery/enr.js'
import { type BeaconNode, type Devnet, type NodeIdentity, assertIsolatedNetns, devnetTools, identity, startDevnet, startNode, stopAll, waitFor, waitForPeer } from '../testing/devnet.js'
import { attnetsToSubnets, checkAttnets, computeSubscribedSubnets, nodeIdToBigInt } from './subnets.js'
import { inferFromEvent } from './validators.js'
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
