/** The child process of benchMemory.ts: `node --expose-gc benchMemoryRun.js <dir with enrs.txt> <seconds>`. */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { systemClock } from './clock.js'
import { freeUdpPorts } from './discovery/syntheticDht.js'
import { silentLogger } from './logger.js'
import { builtinNetwork } from './networks.js'
import { startSentry } from './sentry/sentry.js'
import { openJsonLinesSink } from './sinks/jsonLinesSink.js'

const mib = (n: number) => `${Math.round(n / 2 ** 20)} MiB`
const [dir, seconds] = [process.argv[2]!, Number(process.argv[3])]
const bootnodes = readFileSync(join(dir, 'enrs.txt'), 'utf8').split('\n')
globalThis.gc?.()
const before = process.memoryUsage().rss
const [udp] = await freeUdpPorts(1)
const sentry = await startSentry(
  {
    network: builtinNetwork('mainnet'),
    bootnodes,
    dialConcurrency: 32,
    dialTimeoutMs: 2000,
    revisitPeriodMs: 30 * 60_000,
    listenIp: '127.0.0.1',
    externalIp: '127.0.0.1',
    p2pTcpPort: 0,
    discv5Port: udp!,
    crawlerLocation: 'bench',
  },
  { privateKey: await generateKeyPair('secp256k1'), clock: systemClock, random: Math.random, logger: silentLogger, sink: await openJsonLinesSink(dir) },
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
console.log(`  RSS after GC ${mib(after.rss)} (heap used ${mib(after.heapUsed)} of ${mib(after.heapTotal)}, external ${mib(after.external)}), peak ${mib(peak)}; with the modules loaded, before the sentry started: ${mib(before)}`)
await sentry.stop(3000)
process.exit(0)
