/**
 * The discovery benchmark of `npm run bench`: a synthetic DHT of real discv5 nodes in this process on
 * loopback, crawled from one bootnode. Each node knows its ring successor (so the graph is connected) and
 * a few random others (so its diameter is small, as a DHT's is); the time is until every node is found and
 * visited (a full crawl round). The DHT and the crawler share one core's event loop: this measures the
 * crawler's cost plus every node's answers.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { systemClock } from './clock.js'
import { Crawler } from './discovery/crawler.js'
import { DialQueue } from './discovery/dialQueue.js'
import { startDiscv5Node } from './discovery/discv5Node.js'
import type { NodeRecord } from './discovery/enr.js'
import { PeerTable } from './discovery/peerTable.js'
import { freeUdpPorts, startSyntheticDht } from './discovery/syntheticDht.js'
import { eth2Field, forkSchedule } from './forks.js'
import { builtinNetwork } from './networks.js'

export async function benchDiscovery(size: number, randomLinks = 3): Promise<void> {
  const state = forkSchedule(builtinNetwork('mainnet'))(Date.now())
  const t0 = performance.now()
  const dht = await startSyntheticDht({
    size,
    links: (i) => [(i + 1) % size, ...Array.from({ length: randomLinks }, () => Math.floor(Math.random() * size))],
    entries: () => ({ eth2: eth2Field(state) }),
  })
  const startupS = (performance.now() - t0) / 1000

  const [port] = await freeUdpPorts(1)
  const queue = new DialQueue<NodeRecord>(10_000)
  const crawler = new Crawler({
    // discv5 resends an unanswered request once after its own timeout: both tries fit in the crawler's.
    discv5: await startDiscv5Node({ privateKey: await generateKeyPair('secp256k1'), ip: '127.0.0.1', udpPort: port!, config: { requestTimeout: 1000 } }),
    bootnodes: [dht.enrs[0]!],
    table: new PeerTable(3_600_000, Math.random),
    queue,
    clock: systemClock,
    currentDigestHex: () => state.digestHex,
    // More visits at once only queue up crypto on the one core all nodes share: at 64, answers came after
    // the 5 s timeout and nodes were missed; at 16, none.
    concurrency: 16,
    requestTimeoutMs: 5000,
  })
  let draining = true
  void (async () => {
    while (draining) await queue.take()
  })()
  const t1 = performance.now()
  crawler.start()
  while (crawler.counters.rounds < 1) await new Promise((r) => setTimeout(r, 10))
  const crawlS = (performance.now() - t1) / 1000
  draining = false
  const c = crawler.counters
  console.log(`discovery: ${size} discv5 nodes on loopback, each knowing ${randomLinks + 1}; started in ${startupS.toFixed(1)} s`)
  console.log(`  full coverage (${c.nodesFound} found, ${c.visits} visited) in ${crawlS.toFixed(1)} s: ${Math.round(c.nodesFound / crawlS)} nodes/s, ${Math.round(c.requests / crawlS)} FINDNODE/s, ${c.timeouts} timeouts`)
  console.log(`  RSS ${Math.round(process.memoryUsage().rss / 2 ** 20)} MiB`)
  await crawler.stop()
  await dht.stop()
}
