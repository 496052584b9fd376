/**
 * The consumer of the consumer benchmark (benchConsumer.ts), alone in its process so that its RSS and CPU are
 * its own: `node dist/consumer/benchConsumerChild.js <nats url> <durable name> <dataDir> [instanceId]`. The Consumer with its
 * production defaults (batch 500, flush at 10,000 unacknowledged, parts at most 10 s old). Prints JSON lines:
 * `ready` once connected, `first` at the first message consumed, `flush` after each flush (onFlush) with the
 * count acknowledged and, per file, the highest stream sequence in its finalised parts (from their names), and `done` after
 * "stop" on stdin (or SIGTERM): the consumer's stats, peak RSS and CPU time. Times are wall-clock ms with a
 * fraction (performance.timeOrigin + performance.now()), comparable with the publisher's.
 */
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { silentLogger } from '../logger.js'
import { Consumer } from './consumer.js'
import { parsePartName } from './parts.js'
import { FILE_KINDS } from './schema.js'

const [url, name, dataDir, instanceId = 'bench'] = process.argv.slice(2)
const wall = () => performance.timeOrigin + performance.now()
const say = (o: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(o)}\n`)

const seen = new Set<string>()
/** Per file, the highest stream sequence in its finalised parts (a file's parts hold consecutive runs of its rows). */
const highest: Record<string, number> = Object.fromEntries(FILE_KINDS.map((f) => [f, 0]))
function partsOnDisk(): { highest: Record<string, number>; parts: number } {
  for (const file of FILE_KINDS) {
    let names: string[]
    try {
      names = readdirSync(join(dataDir!, file))
    } catch {
      continue
    }
    for (const n of names) {
      const p = parsePartName(file, n)
      if (!p || seen.has(n)) continue
      seen.add(n)
      highest[file] = Math.max(highest[file]!, p.lastSeq)
    }
  }
  return { highest: { ...highest }, parts: seen.size }
}

const cpu0 = process.cpuUsage()
const t0 = wall()
let consumer: Consumer | undefined
consumer = await Consumer.start({
  servers: [url!],
  name: name!,
  dataDir: dataDir!,
  instanceId,
  logger: silentLogger,
  onFlush: (ms, acked) => {
    const t = wall()
    const mem = process.memoryUsage()
    say({ ev: 'flush', t, ms, acked, total: consumer?.stats.acked, ...partsOnDisk(), rss: mem.rss, heapUsed: mem.heapUsed, arrayBuffers: mem.arrayBuffers })
  },
})

// Polled (1 ms) until seen, then no more timers: the consumer loop has no hook for its first fetch.
let readySaid = false
const poll = setInterval(() => {
  const c = consumer!
  if (!readySaid && (c.stats.connected || c.stats.consumed > 0)) {
    readySaid = true
    say({ ev: 'ready', t: wall() })
  }
  if (c.stats.consumed > 0) {
    say({ ev: 'first', t: wall() })
    clearInterval(poll)
  }
}, 1)

let stopping = false
async function stop(): Promise<void> {
  if (stopping) return
  stopping = true
  clearInterval(poll)
  await consumer!.stop()
  const cpu = process.cpuUsage(cpu0)
  say({
    ev: 'done',
    t: wall(),
    elapsedMs: wall() - t0,
    stats: consumer!.stats,
    maxRssKiB: process.resourceUsage().maxRSS,
    rss: process.memoryUsage.rss(),
    cpuUserMs: cpu.user / 1000,
    cpuSystemMs: cpu.system / 1000,
  })
  process.exit(0)
}
process.once('SIGTERM', () => void stop())
process.stdin.setEncoding('utf8').on('data', (d: string) => {
  if (d.includes('stop')) void stop()
})
