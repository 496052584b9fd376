/**
 * The whole chain on real software in the loopback-only namespace: Prysm nodes (devnet) → the sentry → a real
 * nats-server → the consumer → parquet parts → DuckDB. Each node's long-lived attestation subnets in
 * validator_metadata_events equal both the spec computation and what the node reports on its own beacon API.
 */
import { mkdtempSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { systemClock } from '../clock.js'
import { parseEnr } from '../discovery/enr.js'
import { freeUdpPorts } from '../discovery/syntheticDht.js'
import { attnetsToSubnets, computeSubscribedSubnets } from '../inference/subnets.js'
import { silentLogger } from '../logger.js'
import { customNetwork, genesisFromState } from '../networks.js'
import { QueryDb } from '../query/duckdb.js'
import { type Sentry, startSentry } from '../sentry/sentry.js'
import { startNatsSink } from '../sinks/natsSink.js'
import { assertIsolatedNetns, type BeaconNode, identity, startDevnet, startNode, stopAll, waitFor, waitForPeer } from '../testing/devnet.js'
import { type NatsServer, startNatsServer } from '../testing/natsServer.js'
import { Consumer } from './consumer.js'

assertIsolatedNetns()

let nats: NatsServer
let sentry: Sentry | undefined
let consumer: Consumer | undefined
const nodes: BeaconNode[] = []
const dataDir = mkdtempSync(join(tmpdir(), 'valtrack-chain-'))

afterAll(async () => {
  await sentry?.stop(3000)
  await consumer?.stop()
  await nats?.dispose()
  await stopAll()
})

test('sentry → NATS → consumer → parquet → DuckDB: each node once per handshake, long-lived subnets as the spec and the node say', async () => {
  const devnet = await startDevnet({ name: 'chain' })
  const a = await startNode({ name: 'chain-a', genesis: devnet })
  const enrA = (await identity(a)).enr
  const b = await startNode({ name: 'chain-b', genesis: devnet, bootnodes: [enrA] })
  nodes.push(a, b)
  // The sentry learns B from A: wait until A knows B (they are peered), as on a live network.
  await waitForPeer(a, (await identity(b)).peer_id, 90_000)
  nats = await startNatsServer()
  // The consumer first: its durable must exist before events are stored (Interest retention).
  consumer = await Consumer.start({ servers: [nats.url], name: 'valtrack-consumer', dataDir, instanceId: 'chain', logger: silentLogger, partMaxAgeMs: 500 })
  await waitFor('the consumer connected', async () => consumer!.stats.connected || undefined, 30_000, 200)
  const genesis = genesisFromState(await readFile(devnet.genesisPath))
  if (!genesis.ok) throw new Error(genesis.error)
  const network = customNetwork(devnet.configYaml, genesis.value, [enrA])
  if (!network.ok) throw new Error(network.error)
  const [udp] = await freeUdpPorts(1)
  sentry = await startSentry(
    { network: network.value, bootnodes: [enrA], dialConcurrency: 4, dialTimeoutMs: 5000, revisitPeriodMs: 10_000, listenIp: '127.0.0.1', externalIp: '127.0.0.1', p2pTcpPort: 0, discv5Port: udp!, crawlerLocation: 'chain' },
    { privateKey: await generateKeyPair('secp256k1'), clock: systemClock, random: Math.random, logger: silentLogger, sink: startNatsSink({ servers: nats.url }) },
  )
  const ids = await Promise.all(nodes.map(async (n) => (await identity(n)).peer_id))
  const db = await QueryDb.open(dataDir)
  try {
    type Row = { id: string; node_id: string; epoch: number; attnets: string; long_lived_subnets: number[]; attnets_check: string }
    const rows = await waitFor(
      'both nodes in validator_metadata_events',
      async () => {
        const r = (await db.query('SELECT id, node_id, epoch, attnets, long_lived_subnets, attnets_check FROM validator_metadata_events')).rows as Row[]
        return ids.every((id) => r.some((x) => x.id === id)) && r
      },
      120_000,
      1000,
    )
    for (const [i, node] of nodes.entries()) {
      const self = await identity(node)
      const record = parseEnr(self.enr)
      if (!record.ok) throw new Error(record.error)
      const row = rows.find((r) => r.id === ids[i])!
      const spec = computeSubscribedSubnets(BigInt(`0x${record.record.nodeId}`), row.epoch)
      const reported = attnetsToSubnets(Buffer.from(self.metadata.attnets.slice(2), 'hex'))
      expect([...row.long_lived_subnets].sort((x, y) => x - y)).toEqual([...spec].sort((x, y) => x - y))
      expect(reported.sort((x, y) => x - y)).toEqual([...spec].sort((x, y) => x - y))
      expect(row).toMatchObject({ node_id: record.record.nodeId, attnets: self.metadata.attnets, attnets_check: 'match' })
    }
    // Exactly once: no stream sequence twice in any file.
    for (const file of ['discovery_events', 'metadata_events', 'validator_metadata_events']) {
      const dup = (await db.query(`SELECT stream_seq, count(*) AS n FROM ${file} GROUP BY stream_seq HAVING count(*) > 1`)).rows
      expect([file, dup]).toEqual([file, []])
    }
  } finally {
    db.close()
  }
})
