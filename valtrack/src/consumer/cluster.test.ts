/**
 * A three-server JetStream cluster on loopback with the stream replicated 3 times: the stream's leader is
 * stopped while events are published and consumed; the cluster elects another, publisher and consumer move to
 * the remaining servers, and every acknowledged publish is on disk exactly once.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { jetstreamManager } from '@nats-io/jetstream'
import { connect, type NatsConnection } from '@nats-io/transport-node'
import { defaultStreamSettings, STREAM_NAME } from '../sinks/streamConfig.js'
import { drained, durableInfo, expectedFiles, filesOnDisk, merged, publishEvents, testConsumerOptions } from '../testing/consumerHarness.js'
import { freePort, NatsServer } from '../testing/natsServer.js'
import { waitFor } from '../testing/waitFor.js'
import { Consumer } from './consumer.js'

const NAME = 'valtrack-consumer'
let servers: NatsServer[] = []
let nc: NatsConnection | undefined
let consumer: Consumer | undefined
let dataDir: string

/** Three servers, each routing to the other two, JetStream on each with its own store. */
async function startCluster(): Promise<NatsServer[]> {
  const routePorts = [await freePort(), await freePort(), await freePort()]
  const nodes = await Promise.all(
    routePorts.map((port, i) =>
      NatsServer.create({ name: `n${i + 1}`, cluster: { name: 'valtrack-test', port, routes: routePorts.filter((p) => p !== port) }, readyTimeoutMs: 30_000 }),
    ),
  )
  await Promise.all(nodes.map((n) => n.start()))
  return nodes
}

afterEach(async () => {
  await consumer?.stop()
  await nc?.close()
  await Promise.all(servers.map((s) => s.dispose()))
  rmSync(dataDir, { recursive: true, force: true })
})

test('R3 stream: the leader stopped mid-run loses nothing and doubles nothing', async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'valtrack-cluster-'))
  servers = await startCluster()
  const urls = servers.map((s) => s.url)
  nc = await connect({ servers: urls, maxReconnectAttempts: -1, reconnectTimeWait: 200 })
  consumer = await Consumer.start(
    testConsumerOptions({ servers: urls, name: NAME, dataDir, retry: { baseMs: 200, capMs: 1000 }, streamSettings: { ...defaultStreamSettings, replicas: 3 } }),
  )
  // The meta leader is elected some seconds after the servers are up; the consumer retries until then.
  const c = nc
  await waitFor('the durable', () => durableInfo(c, NAME), 60_000)
  const jsm = await jetstreamManager(nc)
  // Interest retention drops a message no consumer is interested in when it is stored: the stream's leader
  // learns of the durable through the meta layer, a moment after the durable is created.
  const stream = await waitFor('the stream leader to know the durable', async () => {
    const info = await jsm.streams.info(STREAM_NAME)
    return info.state.consumer_count === 1 && info
  })
  expect(stream.config.num_replicas).toBe(3)
  const before = await publishEvents(nc, 1, 300, 30_000)
  await waitFor('some acknowledged', () => consumer!.stats.acked >= 100)
  const leader = (await jsm.streams.info(STREAM_NAME)).cluster?.leader
  const stopped = servers.find((s) => s.args().includes(leader ?? '?'))
  if (!stopped) throw new Error(`no server is the stream's leader (${leader})`)
  await stopped.stop()
  const after = await publishEvents(nc, 301, 600, 30_000)
  await waitFor('everything acknowledged', () => drained(c, NAME), 60_000)
  const newLeader = (await jsm.streams.info(STREAM_NAME)).cluster?.leader
  expect(newLeader).not.toBe(leader)
  expect(await filesOnDisk(dataDir)).toEqual(expectedFiles(merged(before, after)))
}, 150_000)
