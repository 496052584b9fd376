/**
 * The consumer against a real nats-server on loopback: every published event lands in the parquet parts exactly
 * once, malformed messages are set aside and acknowledged, and after kill -9 mid-stream and a restart nothing is
 * lost and nothing doubled (the killed instance's unacknowledged messages are redelivered and deduplicated).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { jetstream, jetstreamManager } from '@nats-io/jetstream'
import { connect, type NatsConnection } from '@nats-io/transport-node'
import { silentLogger } from '../logger.js'
import { STREAM_NAME } from '../sinks/streamConfig.js'
import { durableInfo, publishEvents, seqsOnDisk as seqsOnDiskOf } from '../testing/consumerHarness.js'
import { type NatsServer, startNatsServer } from '../testing/natsServer.js'
import { waitFor } from '../testing/waitFor.js'
import { Consumer } from './consumer.js'
import { createConsumerMetrics } from './metrics.js'
import type { FileKind } from './schema.js'

let nats: NatsServer
let nc: NatsConnection
let dataDir: string
beforeEach(async () => {
  nats = await startNatsServer()
  nc = await connect({ servers: nats.url })
  dataDir = mkdtempSync(join(tmpdir(), 'valtrack-consumer-'))
})
afterEach(async () => {
  await nc.close()
  await nats.dispose()
  rmSync(dataDir, { recursive: true, force: true })
})

const publish = (from: number, to: number) => publishEvents(nc, from, to)
const seqsOnDisk = (file: FileKind) => seqsOnDiskOf(dataDir, file)
const consumerInfo = (name: string) => durableInfo(nc, name)

test('every published event is in the parts exactly once; malformed messages are set aside and acknowledged', async () => {
  const consumer = await Consumer.start({ servers: [nats.url], name: 'valtrack-consumer', dataDir, instanceId: 'a', logger: silentLogger, partMaxAgeMs: 200, fetchExpiresMs: 1000 })
  try {
    await waitFor('the durable', () => consumerInfo('valtrack-consumer').catch(() => undefined))
    const published = await publish(1, 300)
    const js = jetstream(nc)
    const bad = [(await js.publish('events.metadata_received', 'not json')).seq, (await js.publish('events.peer_discovered', JSON.stringify({ schema_version: 1 }))).seq]
    await waitFor('all acknowledged', () => consumer.stats.acked === 302)
    expect(await seqsOnDisk('discovery_events')).toEqual(published.discovered)
    expect(await seqsOnDisk('metadata_events')).toEqual(published.metadata)
    expect(await seqsOnDisk('validator_metadata_events')).toEqual(published.metadata)
    const dead = readFileSync(join(dataDir, 'dead_letters.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { stream_seq: number; reason: string })
    expect(dead.map((d) => d.stream_seq)).toEqual(bad)
    expect(dead[0]!.reason).toMatch(/^not JSON/)
    expect(consumer.stats).toMatchObject({ consumed: 302, deadLetters: 2, duplicates: 0 })
    // Interest retention: acknowledged by the only consumer, the messages are gone from the stream.
    await waitFor('the stream emptied', async () => (await (await jetstreamManager(nc)).streams.info(STREAM_NAME)).state.messages === 0)
    expect(await consumer.lag()).toEqual({ pending: 0, ackPending: 0 })
    const text = await createConsumerMetrics(() => consumer, { defaultMetrics: false }).registry.metrics()
    const value = (series: string) => Number(text.split('\n').find((l) => l.startsWith(`${series} `))?.split(' ')[1])
    expect(value('valtrack_consumer_consumed_total')).toBe(302)
    expect(value('valtrack_consumer_acked_total')).toBe(302)
    expect(value('valtrack_consumer_dead_letters_total')).toBe(2)
    expect(value('valtrack_consumer_rows_written_total{file="metadata_events"}')).toBe(published.metadata.length)
    expect(value('valtrack_consumer_rows_written_total{file="discovery_events"}')).toBe(published.discovered.length)
    expect(value('valtrack_consumer_lag{state="pending"}')).toBe(0)
    expect(value('valtrack_consumer_unacked')).toBe(0)
  } finally {
    await consumer.stop()
  }
})

test('a restart reuses the durable (no orphan) and does not write again what is on disk', async () => {
  const first = await Consumer.start({ servers: [nats.url], name: 'valtrack-consumer', dataDir, instanceId: 'a', logger: silentLogger, partMaxAgeMs: 200, fetchExpiresMs: 1000 })
  await waitFor('the durable', () => consumerInfo('valtrack-consumer').catch(() => undefined))
  await publish(1, 50)
  await waitFor('acknowledged', () => first.stats.acked === 50)
  await first.stop()
  const second = await Consumer.start({ servers: [nats.url], name: 'valtrack-consumer', dataDir, instanceId: 'a', logger: silentLogger, partMaxAgeMs: 200, fetchExpiresMs: 1000 })
  try {
    const more = await publish(51, 80)
    await waitFor('acknowledged', () => second.stats.acked === 30)
    const names = await (await jetstreamManager(nc)).consumers.list(STREAM_NAME).next()
    expect(names.map((c) => c.name)).toEqual(['valtrack-consumer'])
    const metadata = await seqsOnDisk('metadata_events')
    expect(new Set(metadata).size).toBe(metadata.length)
    expect(metadata.filter((s) => more.metadata.includes(s))).toEqual(more.metadata)
  } finally {
    await second.stop()
  }
})

test('kill -9 mid-stream, then a restart: every event on disk exactly once', async () => {
  const script = fileURLToPath(new URL('../../dist/consumer/consumerChild.js', import.meta.url))
  if (!existsSync(script)) throw new Error(`${script} missing: run \`npm run build\` (npm test does it)`)
  const start = (): { child: ChildProcess; acked: () => number } => {
    const child = spawn(process.execPath, [script, nats.url, 'crash-test', dataDir, 'child', '300', '2000'], { stdio: ['ignore', 'pipe', 'pipe'] })
    let acked = 0
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      for (const m of d.matchAll(/acked (\d+)/g)) acked = Number(m[1])
    })
    return { child, acked: () => acked }
  }
  const first = start()
  await waitFor('the durable', () => consumerInfo('crash-test').catch(() => undefined))
  const a = await publish(1, 600)
  // Killed once some parts are acknowledged, while more are consumed and not yet acknowledged.
  await waitFor('some acknowledged', () => first.acked() >= 100)
  first.child.kill('SIGKILL')
  await new Promise((r) => first.child.once('exit', r))
  const b = await publish(601, 900)
  const second = start()
  try {
    await waitFor('everything acknowledged', async () => {
      const info = await consumerInfo('crash-test')
      return info.num_pending === 0 && info.num_ack_pending === 0
    }, 60_000)
    const metadata = await seqsOnDisk('metadata_events')
    expect(metadata).toEqual([...a.metadata, ...b.metadata].sort((x, y) => x - y))
    expect(await seqsOnDisk('discovery_events')).toEqual([...a.discovered, ...b.discovered].sort((x, y) => x - y))
    expect(await seqsOnDisk('validator_metadata_events')).toEqual(metadata)
  } finally {
    second.child.kill('SIGTERM')
    await new Promise((r) => second.child.once('exit', r))
  }
}, 90_000)
