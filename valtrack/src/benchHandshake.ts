/**
 * `npm run bench:devnet` (inside a loopback-only network namespace, like the devnet tests): handshake latency
 * against real Prysm beacon nodes of the pinned version on 127.0.0.1. A sentry host dials each node `rounds`
 * times, each time the whole outbound handshake (TCP, Noise, yamux, Status, Ping, MetaData, identify; no
 * gossip window) and Goodbye; the latency is the one events report, from dial start to MetaData received.
 * Each handshake comes from a fresh key, as the sentry meets many peers once each. Prysm limits inbound
 * connections per source IP (measured: 8 back to back are accepted, then about one per 7.5 s; the rest fail
 * in Noise as EncryptionFailedError), so after the first 8 rounds each round waits `gapMs`.
 */
import { readFileSync } from 'node:fs'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { systemClock } from './clock.js'
import { parseEnr } from './discovery/enr.js'
import { forkSchedule } from './forks.js'
import { customNetwork, genesisFromState } from './networks.js'
import { handshake } from './p2p/handshake.js'
import { startHost } from './p2p/host.js'
import { ourMetaData, ourStatus } from './p2p/identity.js'
import { assertIsolatedNetns, type BeaconNode, identity, startDevnet, startNode, stopAll } from './testing/devnet.js'

const BURST = 8
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!

async function targetOf(node: BeaconNode) {
  const r = parseEnr((await identity(node)).enr)
  if (!r.ok) throw new Error(r.error)
  return { peerId: r.record.peerId, multiaddrs: [`/ip4/127.0.0.1/tcp/${r.record.tcp}`] }
}

async function benchHandshake(rounds: number, gapMs: number): Promise<void> {
  assertIsolatedNetns()
  const devnet = await startDevnet({ name: 'bench' })
  try {
    const a = await startNode({ name: 'bench-a', genesis: devnet })
    const b = await startNode({ name: 'bench-b', genesis: devnet, bootnodes: [(await identity(a)).enr] })
    const genesis = genesisFromState(readFileSync(devnet.genesisPath))
    if (!genesis.ok) throw new Error(genesis.error)
    const network = customNetwork(devnet.configYaml, genesis.value, [])
    if (!network.ok) throw new Error(network.error)
    const fork = forkSchedule(network.value)(Date.now())
    const targets = [await targetOf(a), await targetOf(b)]
    const latencies: number[] = []
    const failures = new Map<string, number>()
    for (let round = 0; round < rounds; round++) {
      if (round >= BURST) await new Promise((r) => setTimeout(r, gapMs))
      for (const target of targets) {
        const host = await startHost({ privateKey: await generateKeyPair('secp256k1'), listenIp: '127.0.0.1', tcpPort: 0, maxConnections: 16, identity: () => ({ status: ourStatus(fork), metadata: ourMetaData(1n, 4) }) })
        try {
          latencies.push((await handshake(host, target, { timeoutMs: 5000, clock: systemClock, gossipWindowMs: 0 })).latencyMs)
        } catch (e) {
          const name = (e as Error).name
          failures.set(name, (failures.get(name) ?? 0) + 1)
        } finally {
          await host.stop()
        }
      }
    }
    latencies.sort((x, y) => x - y)
    const failed = failures.size ? ` (failed: ${[...failures].map(([k, v]) => `${k} ${v}`).join(', ')})` : ''
    console.log(`handshake against 2 Prysm nodes on loopback: ${latencies.length} of ${rounds * 2} succeeded${failed}`)
    if (latencies.length > 0) console.log(`  latency p50 ${percentile(latencies, 50)} ms, p99 ${percentile(latencies, 99)} ms, max ${latencies.at(-1)} ms, min ${latencies[0]} ms`)
  } finally {
    await stopAll()
  }
}

await benchHandshake(Number(process.argv[2] ?? 20), Number(process.argv[3] ?? 8000))
