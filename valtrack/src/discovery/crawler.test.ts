import { generateKeyPair } from '@libp2p/crypto/keys'
import { systemClock } from '../clock.js'
import { eth2Field, forkSchedule } from '../forks.js'
import { builtinNetwork } from '../networks.js'
import { Crawler, type CrawlerOptions } from './crawler.js'
import { DialQueue } from './dialQueue.js'
import { startDiscv5Node } from './discv5Node.js'
import type { NodeRecord } from './enr.js'
import { PeerTable } from './peerTable.js'
import { freeUdpPorts, type SyntheticDht, startSyntheticDht } from './syntheticDht.js'

// Two real networks' digests at this moment: "ours" (mainnet) and another (sepolia).
const ours = forkSchedule(builtinNetwork('mainnet'))(Date.now())
const other = forkSchedule(builtinNetwork('sepolia'))(Date.now())

const SIZE = 30
/** Every fifth node is on the other network. */
const isOther = (i: number) => i % 5 === 4
/** A ring in which each node knows only its next two: node 0 alone reaches everyone only through the others. */
const ring = (i: number) => [(i + 1) % SIZE, (i + 2) % SIZE]

// A fresh network per test: the nodes add every crawler that asks them to their tables, and a stopped
// crawler would be a dead node in the next test's crawl.
let dht: SyntheticDht
beforeEach(async () => {
  // A link under log distance 240 (chance 2^-16 each) would not be asked for: such a network is rebuilt.
  for (;;) {
    dht = await startSyntheticDht({ size: SIZE, links: ring, entries: (i) => ({ eth2: eth2Field(isOther(i) ? other : ours) }) })
    if (dht.nodeIds.every((id, i) => ring(i).every((j) => logDistance(id, dht.nodeIds[j]!) >= 240))) return
    await dht.stop()
  }
})

/** Kademlia's log distance: the bit length of a XOR b. */
const logDistance = (a: string, b: string) => (BigInt(`0x${a}`) ^ BigInt(`0x${b}`)).toString(2).length

const crawlers: Crawler[] = []
afterEach(async () => {
  await Promise.all(crawlers.splice(0).map((c) => c.stop()))
  await dht.stop()
})

async function startCrawler(over: Partial<CrawlerOptions> & { revisitMs?: number } = {}): Promise<Crawler & { invalidBootnodes: string[] }> {
  const [port] = await freeUdpPorts(1)
  const discv5 = await startDiscv5Node({ privateKey: await generateKeyPair('secp256k1'), ip: '127.0.0.1', udpPort: port!, config: { requestTimeout: 1000 } })
  const crawler = new Crawler({
    discv5,
    bootnodes: [dht.enrs[0]!],
    table: new PeerTable(over.revisitMs ?? 3_600_000, Math.random),
    queue: new DialQueue<NodeRecord>(1000),
    clock: systemClock,
    currentDigestHex: () => ours.digestHex,
    concurrency: 8,
    requestTimeoutMs: 1000,
    ...over,
  })
  crawlers.push(crawler)
  return Object.assign(crawler, crawler.start())
}

/** Polls `cond` every 20 ms; fails after a generous deadline instead of asserting on timing. */
async function until(cond: () => boolean, what: string, deadlineMs = 15_000): Promise<void> {
  const end = Date.now() + deadlineMs
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

/** Takes everything from `queue` as it comes, until stopped. */
function drain(queue: DialQueue<NodeRecord>): { taken: string[]; stop(): void } {
  const taken: string[] = []
  let running = true
  void (async () => {
    while (running) taken.push((await queue.take()).key)
  })()
  return { taken, stop: () => (running = false) }
}

const sameIds = () => dht.nodeIds.filter((_, i) => !isOther(i)).sort()
const otherIds = () => dht.nodeIds.filter((_, i) => isOther(i)).sort()

test('from one bootnode of a ring, every node is found, reported, and only same-digest ones are enqueued, once each', async () => {
  const queue = new DialQueue<NodeRecord>(1000)
  const reported = new Map<string, boolean>()
  const table = new PeerTable(3_600_000, Math.random)
  const crawler = await startCrawler({ queue, table, onDiscovered: (r, same) => reported.set(r.nodeId, same) })
  const d = drain(queue)
  await until(() => crawler.counters.rounds >= 1, 'a full crawl round')
  d.stop()

  expect([...reported.keys()].sort()).toEqual([...dht.nodeIds].sort())
  expect([...reported].filter(([, same]) => !same).map(([id]) => id).sort()).toEqual(otherIds())
  expect(crawler.counters.nodesFound).toBe(SIZE)
  expect([...d.taken].sort()).toEqual(sameIds())
  expect(crawler.counters.otherDigest).toBe(otherIds().length)
  expect(crawler.nodesByDigest()).toEqual(new Map([[ours.digestHex, sameIds().length], [other.digestHex, otherIds().length]]))
  // Each visit asks every distance of the default 256..240.
  expect(crawler.counters.requests).toBe(SIZE * 17)
  expect(crawler.counters.timeouts).toBe(0)
})

test('a full dial queue makes the crawler wait; once drained, every same-digest node was enqueued exactly once', async () => {
  const queue = new DialQueue<NodeRecord>(2)
  const crawler = await startCrawler({ queue })
  await until(() => queue.size === 2, 'the queue to fill')
  // Nobody takes: the crawl stalls with every visit slot waiting for room instead of dropping nodes.
  await new Promise((r) => setTimeout(r, 300))
  expect(crawler.counters.enqueued).toBe(2)
  expect(crawler.counters.rounds).toBe(0)

  const d = drain(queue)
  await until(() => crawler.counters.rounds >= 1, 'a full crawl round')
  await until(() => queue.size === 0, 'the queue to empty')
  d.stop()
  expect([...d.taken].sort()).toEqual(sameIds())
})

test('known nodes are visited again after the revisit period, and enqueued again', async () => {
  const queue = new DialQueue<NodeRecord>(1000)
  const crawler = await startCrawler({ queue, revisitMs: 500 })
  const d = drain(queue)
  const counts = () => {
    const c = new Map<string, number>()
    for (const id of d.taken) c.set(id, (c.get(id) ?? 0) + 1)
    return c
  }
  // Not by rounds: a crawl slower than the revisit period never runs out of due nodes, so no round ends.
  await until(() => counts().size === sameIds().length && [...counts().values()].every((n) => n >= 2), 'every node enqueued twice')
  d.stop()
  expect([...counts().keys()].sort()).toEqual(sameIds())
  expect(crawler.counters.visits).toBeGreaterThanOrEqual(2 * SIZE)
})

test('a bootnode that never answers: its requests time out, it is backed off, and stop() ends the crawl', async () => {
  // A real record of a node that is stopped at once: its port then answers nothing.
  const [port] = await freeUdpPorts(1)
  const silent = await startDiscv5Node({ privateKey: await generateKeyPair('secp256k1'), ip: '127.0.0.1', udpPort: port!, entries: { eth2: eth2Field(ours) } })
  const enr = silent.enr.toENR().encodeTxt()
  await silent.stop()

  const table = new PeerTable(3_600_000, Math.random)
  const crawler = await startCrawler({ bootnodes: [enr], table, requestTimeoutMs: 200 })
  await until(() => crawler.counters.rounds >= 1, 'the round to end')
  // The first unanswered distance ends the visit: the other 16 are not waited for.
  expect(crawler.counters.requests).toBe(1)
  expect(crawler.counters.timeouts).toBe(1)
  // Backed off (15 min or more for a timeout), not due again now.
  expect(table.nextDueMs()! - Date.now()).toBeGreaterThan(60_000)
  await crawler.stop()
  expect(crawler.counters.requests).toBe(1)
})

test('an invalid bootnode is returned by start, not crawled', async () => {
  const crawler = await startCrawler({ bootnodes: ['enr:not-a-record', dht.enrs[1]!] })
  expect(crawler.invalidBootnodes).toEqual(['enr:not-a-record'])
  await until(() => crawler.counters.rounds >= 1, 'a full crawl round')
  expect(crawler.counters.nodesFound).toBe(SIZE)
})
