/**
 * The memory benchmark of `npm run bench`: a real sentry (discv5, libp2p host, crawler, dialer, metrics) in
 * this process, given 10,000 signed node records on its current fork digest as bootnodes, so that all of
 * them enter the peer table through the path FINDNODE answers take. The records point at closed loopback
 * ports, so the crawl and the dials run as against unreachable mainnet nodes (timeouts, refusals, backoff
 * state for each). RSS is read after `seconds` of that, before and after a full GC.
 */
import { SignableENR } from '@chainsafe/enr'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { systemClock } from './clock.js'
import { freeUdpPorts } from './discovery/syntheticDht.js'
import { eth2Field, forkSchedule } from './forks.js'
import { silentLogger } from './logger.js'
import { builtinNetwork } from './networks.js'
import { startSentry } from './sentry/sentry.js'
import { MemorySink } from './testing/memorySink.js'

const mib = (n: number) => `${Math.round(n / 2 ** 20)} MiB`

export async function benchMemory(nodes: number, seconds: number): Promise<void> {
  const network = builtinNetwork('mainnet')
  const eth2 = eth2Field(forkSchedule(network)(Date.now()))
  const enrs: string[] = []
  for (let i = 0; i < nodes; i++) {
    const key = await generateKeyPair('secp256k1')
    const enr = SignableENR.createV4(key.raw, { eth2, attnets: new Uint8Array(8), syncnets: new Uint8Array(1) })
    enr.ip = '127.0.0.1'
    // Ports nothing listens on: UDP requests go unanswered (timeouts), TCP dials are refused.
    enr.udp = 1 + (i % 1000)
    enr.tcp = 1 + (i % 1000)
    enrs.push(enr.encodeTxt())
  }
  globalThis.gc?.()
  const before = process.memoryUsage().rss
  const sink = new MemorySink()
  const [udp] = await freeUdpPorts(1)
  const sentry = await startSentry(
    {
      network,
      bootnodes: enrs,
      dialConcurrency: 32,
      dialTimeoutMs: 2000,
      revisitPeriodMs: 30 * 60_000,
      listenIp: '127.0.0.1',
      externalIp: '127.0.0.1',
      p2pTcpPort: 0,
      discv5Port: udp!,
      crawlerLocation: 'bench',
    },
    { privateKey: await generateKeyPair('secp256k1'), clock: systemClock, random: Math.random, logger: silentLogger, sink },
  )
  let peak = 0
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 250)
  await new Promise((r) => setTimeout(r, seconds * 1000))
  await sentry.metrics.registry.metrics()
  clearInterval(sampler)
  const c = sentry.crawler.counters
  globalThis.gc?.()
  const after = process.memoryUsage()
  console.log(`memory: a sentry knowing ${c.nodesFound.toLocaleString('en-US')} nodes, after ${seconds} s of crawling and dialing them (${c.visits} visits, ${c.timeouts} FINDNODE timeouts)`)
  console.log(`  RSS after GC ${mib(after.rss)} (heap used ${mib(after.heapUsed)}), peak ${mib(peak)}; before the sentry started ${mib(before)}${globalThis.gc ? '' : ' (no --expose-gc: not collected)'}`)
  await sentry.stop(3000)
}
