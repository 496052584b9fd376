/**
 * The whole sentry in this process against stand-in consensus nodes on 127.0.0.1 (testing/beaconPeer.ts:
 * real discv5 and real libp2p with our own Status/MetaData answers): discovery through the bootnode, the
 * handshake of every same-digest node, other-digest nodes counted and not dialed, a node lying about its
 * network refused, events in the documented schema, metrics. The devnet suite does the same against Prysm.
 */
import { waitFor } from '../testing/waitFor.js'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { systemClock } from '../clock.js'
import { freeUdpPorts } from '../discovery/syntheticDht.js'
import { parseEnr } from '../discovery/enr.js'
import { validateEvent } from '../events.js'
import { forkSchedule } from '../forks.js'
import { silentLogger } from '../logger.js'
import { builtinNetwork, customNetwork } from '../networks.js'
import { multiaddr } from '@multiformats/multiaddr'
import { decodeStatus, encodeStatus, type StatusVersion } from '../p2p/messages.js'
import { request } from '../p2p/reqresp.js'
import { ManualClock } from '../testing/manualClock.js'
import { peerIdentity, TestHosts } from '../testing/p2pHosts.js'
import { type BeaconPeer, startBeaconPeer } from '../testing/beaconPeer.js'
import { MemorySink } from '../testing/memorySink.js'
import { dialAddresses, nodeIdOfPeerId, type Sentry, startSentry } from './sentry.js'

const mainnet = builtinNetwork('mainnet')
const ours = forkSchedule(mainnet)(Date.now())
const other = forkSchedule(builtinNetwork('sepolia'))(Date.now())
const attnets = (...bits: number[]) => {
  const b = new Uint8Array(8)
  for (const i of bits) b[i >> 3]! |= 1 << (i & 7)
  return b
}

function sample(text: string, name: string, labels: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}} `))
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1))
}

describe('the sentry against stand-in nodes', () => {
  let peers: BeaconPeer[] = []
  let sentry: Sentry | undefined
  afterEach(async () => {
    await sentry?.stop(2000)
    sentry = undefined
    await Promise.all(peers.map((p) => p.stop()))
    peers = []
  })

  test('finds every node through the bootnode, handshakes those on its digest, counts the rest', async () => {
    const validatorNode = await startBeaconPeer({ enrFork: ours, metadata: { seqNumber: 7n, attnets: attnets(5, 6), syncnets: Uint8Array.of(2), custodyGroupCount: 4 }, subnets: [0, 5, 6, 40] })
    const otherNetwork = await startBeaconPeer({ enrFork: other, metadata: { seqNumber: 1n, attnets: attnets(1), syncnets: Uint8Array.of(0), custodyGroupCount: 4 } })
    const liar = await startBeaconPeer({ enrFork: ours, status: { forkDigest: other.digest }, metadata: { seqNumber: 1n, attnets: attnets(), syncnets: Uint8Array.of(0), custodyGroupCount: 4 } })
    const bootnode = await startBeaconPeer({
      enrFork: ours,
      metadata: { seqNumber: 3n, attnets: attnets(62, 63), syncnets: Uint8Array.of(0), custodyGroupCount: 4 },
      knows: [validatorNode.enr, otherNetwork.enr, liar.enr],
    })
    peers = [validatorNode, otherNetwork, liar, bootnode]
    const sink = new MemorySink()
    const [udp] = await freeUdpPorts(1)
    sentry = await startSentry(
      {
        network: mainnet,
        bootnodes: [bootnode.enr],
        dialConcurrency: 4,
        dialTimeoutMs: 3000,
        revisitPeriodMs: 60_000,
        listenIp: '127.0.0.1',
        externalIp: '127.0.0.1',
        p2pTcpPort: 0,
        discv5Port: udp!,
        crawlerLocation: 'test-lab',
        gossipWindowMs: 500,
      },
      { privateKey: await generateKeyPair('secp256k1'), clock: systemClock, random: Math.random, logger: silentLogger, sink },
    )
    const s = sentry
    const metadataOf = (p: BeaconPeer) => sink.of('metadata_received').find((e) => e.id === p.peerId)
    const [received, fromBootnode] = await waitFor('both handshakes', () => metadataOf(validatorNode) && metadataOf(bootnode) && [metadataOf(validatorNode)!, metadataOf(bootnode)!])
    const metricsText = () => s.metrics.registry.metrics()
    await waitFor('the liar to be refused', async () => sample(await metricsText(), 'valtrack_dials_total', 'outcome="irrelevant_network",direction="outbound"') > 0)

    expect(received).toMatchObject({
      schema_version: 1,
      id: validatorNode.peerId,
      node_id: validatorNode.nodeId,
      enr: validatorNode.enr,
      epoch: ours.epoch,
      metadata: { seq_number: 7, attnets: '0x6000000000000000', syncnets: '0x02' },
      subscribed_subnets: [0, 5, 6, 40],
      client_version: 'Prysm/v7.1.2/test',
      fork_digest: `0x${ours.digestHex}`,
      head_slot: 100,
      finalized_epoch: 2,
      custody_group_count: 4,
      protocols: { status: 'status/2', metadata: 'metadata/3' },
      direction: 'outbound',
      crawler_id: s.peerId,
      crawler_location: 'test-lab',
    })
    expect(received.multiaddr).toBe(`/ip4/127.0.0.1/tcp/${validatorNode.host.tcpPort}/p2p/${validatorNode.peerId}`)
    expect(fromBootnode.metadata.attnets).toBe('0x00000000000000c0')
    for (const e of sink.of('metadata_received')) expect(validateEvent('metadata_received', e)).toEqual([])
    for (const e of sink.of('peer_discovered')) expect(validateEvent('peer_discovered', e)).toEqual([])

    // Discovered: all four, each once; only the same-digest nodes that told the truth were handshaked.
    const discovered = sink.of('peer_discovered').map((e) => e.id)
    expect(discovered.sort()).toEqual(peers.map((p) => p.peerId).sort())
    expect(sink.of('peer_discovered').find((e) => e.id === otherNetwork.peerId)!.fork_digest).toBe(`0x${other.digestHex}`)
    expect(metadataOf(otherNetwork)).toBeUndefined()
    expect(metadataOf(liar)).toBeUndefined()

    const text = await metricsText()
    expect(sample(text, 'valtrack_discovered_nodes', `fork_digest="${other.digestHex}"`)).toBe(1)
    expect(sample(text, 'valtrack_discovered_nodes', `fork_digest="${ours.digestHex}"`)).toBe(3)
    expect(sample(text, 'valtrack_dials_total', 'outcome="success",direction="outbound"')).toBeGreaterThanOrEqual(2)
    expect(sample(text, 'valtrack_handshakes_total', 'result="success",client="prysm"')).toBeGreaterThanOrEqual(2)
    expect(text).toMatch(/^valtrack_other_digest_visits_total [1-9]/m)
    // Its own record says where to reach it and on which digest, so that nodes can dial it (inbound handshakes).
    const own = parseEnr(s.enr())
    if (!own.ok) throw new Error(own.error)
    expect(own.record).toMatchObject({ ip: '127.0.0.1', tcp: s.tcpPort, udp, peerId: s.peerId })
    expect(Buffer.from(own.record.eth2!.forkDigest).toString('hex')).toBe(ours.digestHex)
    expect(s.health()).toMatchObject({ ok: true })
    await s.stop(2000)
    sentry = undefined
    expect(sink.closed).toBe(true)
  })
})

test('at a fork boundary (here a blob-parameter change) the ENR and the Status answers change digest without a restart', async () => {
  const yaml = ['PRESET_BASE: mainnet', 'CONFIG_NAME: bpo-test', 'SECONDS_PER_SLOT: 6', 'CUSTODY_REQUIREMENT: 4']
    .concat(['ALTAIR', 'BELLATRIX', 'CAPELLA', 'DENEB', 'ELECTRA', 'FULU'].flatMap((f, i) => [`${f}_FORK_VERSION: 0x${i + 2}0000038`, `${f}_FORK_EPOCH: 0`]))
    .concat(['GENESIS_FORK_VERSION: 0x10000038', 'BLOB_SCHEDULE:', '  - EPOCH: 0', '    MAX_BLOBS_PER_BLOCK: 9', '  - EPOCH: 5', '    MAX_BLOBS_PER_BLOCK: 12'])
    .join('\n')
  const genesisTime = 1_800_000_000
  const n = customNetwork(yaml, { genesisTime, genesisValidatorsRoot: new Uint8Array(32).fill(0xab) }, [])
  if (!n.ok) throw new Error(n.error)
  const boundaryMs = (genesisTime + 5 * 32 * 6) * 1000
  const before = forkSchedule(n.value)(boundaryMs - 1)
  const after = forkSchedule(n.value)(boundaryMs)
  expect(before.digestHex).not.toBe(after.digestHex)
  const clock = new ManualClock(boundaryMs - 60_000)
  const [udp] = await freeUdpPorts(1)
  const s = await startSentry(
    { network: n.value, bootnodes: [], dialConcurrency: 1, dialTimeoutMs: 1000, revisitPeriodMs: 60_000, listenIp: '127.0.0.1', externalIp: '127.0.0.1', p2pTcpPort: 0, discv5Port: udp!, crawlerLocation: '' },
    { privateKey: await generateKeyPair('secp256k1'), clock, random: Math.random, logger: silentLogger, sink: new MemorySink() },
  )
  const hosts = new TestHosts()
  try {
    const enrDigest = () => {
      const r = parseEnr(s.enr())
      return r.ok ? Buffer.from(r.record.eth2!.forkDigest).toString('hex') : r.error
    }
    // The sentry handshakes an inbound peer too and then closes the connection (Goodbye): our own request on it
    // can lose that race on a loaded machine, so a request that fails is made again from a fresh peer.
    const statusDigest = async (attempts = 3): Promise<string> => {
      const peer = await hosts.start()
      try {
        const connection = await peer.libp2p.dial(multiaddr(`/ip4/127.0.0.1/tcp/${s.tcpPort}/p2p/${s.peerId}`))
        const r = await request(connection, 'status', (v) => encodeStatus(v as StatusVersion, peerIdentity(before.digest).status), { signal: AbortSignal.timeout(5000) })
        return Buffer.from(decodeStatus(r.version as StatusVersion, r.ssz).forkDigest).toString('hex')
      } catch (e) {
        if (attempts <= 1) throw e
        return statusDigest(attempts - 1)
      }
    }
    expect([enrDigest(), await statusDigest()]).toEqual([before.digestHex, before.digestHex])
    const seq = parseEnr(s.enr()).ok && (parseEnr(s.enr()) as { record: { seq: bigint } }).record.seq
    clock.advance(60_000)
    expect([enrDigest(), await statusDigest()]).toEqual([after.digestHex, after.digestHex])
    expect((parseEnr(s.enr()) as { record: { seq: bigint } }).record.seq).toBeGreaterThan(seq as bigint)
    expect(await s.metrics.registry.metrics()).toContain(`valtrack_fork_digest_info{fork_digest="${after.digestHex}",fork="fulu"} 1`)
  } finally {
    await hosts.stopAll()
    await s.stop(2000)
  }
})

test('dial addresses come from the record: IPv4 first, the peer id appended; none without a TCP port', () => {
  const base = { enr: 'enr:x', nodeId: 'a'.repeat(64), peerId: '16Uiu2HAmX', seq: 1n, problems: [] }
  expect(dialAddresses({ ...base, ip: '10.0.0.1', tcp: 9000, ip6: '::1', tcp6: 9001 })).toEqual(['/ip4/10.0.0.1/tcp/9000/p2p/16Uiu2HAmX', '/ip6/::1/tcp/9001/p2p/16Uiu2HAmX'])
  expect(dialAddresses({ ...base, ip: '10.0.0.1', udp: 9000 })).toEqual([])
})

test("an inbound peer's node id is derived from its peer id as discv5 derives it from the ENR", async () => {
  const p = await startBeaconPeer({ enrFork: ours, metadata: { seqNumber: 1n, attnets: attnets(), syncnets: Uint8Array.of(0), custodyGroupCount: 4 } })
  try {
    expect(nodeIdOfPeerId(p.peerId)).toBe(p.nodeId)
    expect(nodeIdOfPeerId('not a peer id')).toBeUndefined()
  } finally {
    await p.stop()
  }
})
