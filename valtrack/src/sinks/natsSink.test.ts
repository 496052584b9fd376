/**
 * Against a real nats-server on 127.0.0.1 (testing/natsServer.ts; these tests fail when it is missing).
 * With Interest retention the server keeps a message only for an existing consumer, so tests that count what
 * was stored first create the stream and a durable consumer, as the valtrack consumer does.
 */
import { AckPolicy, jetstream, jetstreamManager, RetentionPolicy, StorageType } from '@nats-io/jetstream'
import { connect, type NatsConnection } from '@nats-io/transport-node'
import { ManualClock } from '../testing/manualClock.js'
import { type NatsServer, NatsServer as Server, startNatsServer } from '../testing/natsServer.js'
import { discoveredEvent, metadataEvent } from './fixtures.js'
import { messageId, type NatsSink, type NatsSinkOptions, startNatsSink } from './natsSink.js'
import type { Logger } from '../logger.js'
import { newStreamConfig, STREAM_NAME } from './streamConfig.js'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Polls until `f` holds (generous: a loaded machine is slow, never wrong). */
async function eventually(f: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs
  while (!(await f())) {
    if (Date.now() > until) throw new Error(`timed out waiting for: ${what}`)
    await sleep(25)
  }
}

async function withConnection<T>(server: NatsServer, f: (nc: NatsConnection) => Promise<T>): Promise<T> {
  const nc = await connect({ servers: server.url })
  try {
    return await f(nc)
  } finally {
    await nc.close()
  }
}

/** The stream as the sink makes it, and a durable consumer so that Interest retention keeps the messages. */
async function prepareStream(server: NatsServer): Promise<void> {
  await withConnection(server, async (nc) => {
    const jsm = await jetstreamManager(nc)
    await jsm.streams.add(newStreamConfig())
    await jsm.consumers.add(STREAM_NAME, { durable_name: 'test', ack_policy: AckPolicy.Explicit })
  })
}

type Stored = { seq: number; subject: string; body: unknown; msgId: string | undefined }

/** Every message in the stream, by sequence. */
async function storedMessages(server: NatsServer): Promise<Stored[]> {
  return withConnection(server, async (nc) => {
    const jsm = await jetstreamManager(nc)
    const { state } = await jsm.streams.info(STREAM_NAME)
    const out: Stored[] = []
    for (let seq = state.first_seq; seq <= state.last_seq && state.messages > 0; seq++) {
      const m = await jsm.streams.getMessage(STREAM_NAME, { seq }).catch(() => null)
      if (m) out.push({ seq, subject: m.subject, body: m.json(), msgId: m.header.get('Nats-Msg-Id') || undefined })
    }
    return out
  })
}

const capture = () => {
  const lines: { level: string; msg: string; fields?: Record<string, unknown> }[] = []
  const at = (level: string) => (msg: string, fields?: Record<string, unknown>) => void lines.push({ level, msg, fields })
  const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }
  return { lines, logger }
}

/** Small backoffs so that reconnections in these tests take well under a second. */
const quick: Partial<NatsSinkOptions> = { connectBackoff: { baseMs: 50, capMs: 500 }, publishBackoff: { baseMs: 50, capMs: 500 }, ackTimeoutMs: 2_000 }

const servers: NatsServer[] = []
const sinks: { sink: NatsSink; clock?: ManualClock }[] = []
const track = <T extends NatsServer | NatsSink>(x: T, clock?: ManualClock): T => {
  if ('storeDir' in x) servers.push(x)
  else sinks.push({ sink: x, clock })
  return x
}

/** Closes a sink; on a manual clock, moves the clock until the close has finished. */
async function closeSink(sink: NatsSink, clock?: ManualClock): Promise<void> {
  let done = false
  const closed = sink.close(2_000).then(() => void (done = true))
  while (clock && !done) {
    clock.advance(100)
    await sleep(10)
  }
  await closed
}

afterEach(async () => {
  await Promise.all(sinks.splice(0).map(({ sink, clock }) => closeSink(sink, clock)))
  await Promise.all(servers.splice(0).map((s) => s.dispose()))
})

/** A server whose store already holds the stream and the test consumer, then stopped: "NATS down at start". */
async function preparedButStopped(): Promise<NatsServer> {
  const server = track(await startNatsServer())
  await prepareStream(server)
  await server.stop()
  return server
}

describe('NATS sink: the stream', () => {
  it('creates EVENTS with Interest retention, both subjects, file storage and a duplicate window', async () => {
    const server = track(await startNatsServer())
    const sink = track(startNatsSink({ servers: server.url, ...quick }))
    await eventually(() => sink.stats().connects === 1, 'connected')
    const config = await withConnection(server, async (nc) => {
      const jsm = await jetstreamManager(nc)
      let info
      await eventually(async () => (info = await jsm.streams.info(STREAM_NAME).catch(() => undefined)) !== undefined, 'stream exists')
      return info!.config
    })
    expect(config).toMatchObject({
      name: 'EVENTS',
      retention: 'interest',
      storage: 'file',
      num_replicas: 1,
      discard: 'old',
      duplicate_window: 10 * 60 * 1e9,
      max_age: 7 * 24 * 3600 * 1e9,
    })
    expect([...config.subjects].sort()).toEqual(['events.metadata_received', 'events.peer_discovered'])
    expect(sink.stats().streamErrors).toBe(0)
  })

  it('updates an existing EVENTS stream with Limits retention, one subject and a short duplicate window', async () => {
    const server = track(await startNatsServer())
    await withConnection(server, async (nc) => {
      const jsm = await jetstreamManager(nc)
      await jsm.streams.add({ name: STREAM_NAME, subjects: ['events.peer_discovered'], retention: RetentionPolicy.Limits, storage: StorageType.File, duplicate_window: 30e9, max_msgs: 12_345 })
    })
    const { lines, logger } = capture()
    const sink = track(startNatsSink({ servers: server.url, logger, ...quick }))
    await eventually(() => lines.some((l) => l.msg === 'nats: updated stream'), 'stream updated')
    const config = await withConnection(server, async (nc) => (await (await jetstreamManager(nc)).streams.info(STREAM_NAME)).config)
    expect(config.retention).toBe('interest')
    expect([...config.subjects].sort()).toEqual(['events.metadata_received', 'events.peer_discovered'])
    expect(config.duplicate_window).toBe(10 * 60 * 1e9)
    expect(config.max_msgs).toBe(12_345) // an operator's limit is kept
    expect(sink.stats().streamErrors).toBe(0)
  })
  it('keeps publishing to a stream the server will not update (WorkQueue retention), logging the error once', async () => {
    const server = track(await startNatsServer())
    await withConnection(server, async (nc) => {
      const jsm = await jetstreamManager(nc)
      await jsm.streams.add({ name: STREAM_NAME, subjects: ['events.peer_discovered'], retention: RetentionPolicy.Workqueue, storage: StorageType.File })
    })
    const { lines, logger } = capture()
    const sink = track(startNatsSink({ servers: server.url, logger, ...quick }))
    sink.publish('peer_discovered', discoveredEvent(1))
    await eventually(() => sink.stats().published === 1, 'published')
    await eventually(() => sink.stats().streamErrors >= 2, 'the update retried')
    const errors = lines.filter((l) => l.level === 'error')
    expect(errors).toHaveLength(1)
    expect(String(errors[0].fields?.error)).toMatch(/retention policy/)
  })
})

describe('NATS sink: delivery', () => {
  it('stores every event exactly once, on its subject, with its JSON body and id', async () => {
    const server = track(await startNatsServer())
    await prepareStream(server)
    const sink = track(startNatsSink({ servers: server.url, maxInFlight: 16, ...quick }))
    const expected: { subject: string; body: unknown }[] = []
    for (let n = 0; n < 300; n++) {
      if (n % 3 === 0) {
        sink.publish('metadata_received', metadataEvent(n))
        expected.push({ subject: 'events.metadata_received', body: metadataEvent(n) })
      } else {
        sink.publish('peer_discovered', discoveredEvent(n))
        expected.push({ subject: 'events.peer_discovered', body: discoveredEvent(n) })
      }
    }
    expect(sink.stats().inFlight).toBeLessThanOrEqual(16)
    await eventually(() => sink.stats().published === 300, '300 acknowledged')
    const stored = await storedMessages(server)
    expect(stored).toHaveLength(300)
    const key = (x: { subject: string; body: unknown }) => `${x.subject} ${JSON.stringify(x.body)}`
    expect(stored.map(key).sort()).toEqual(expected.map(key).sort())
    for (const m of stored) expect(m.msgId).toBe(messageId(m.subject, new TextEncoder().encode(JSON.stringify(m.body))))
    expect(sink.stats()).toMatchObject({ published: 300, failed: 0, dropped: 0, buffered: 0, inFlight: 0, duplicates: 0 })
  })

  it('starts while NATS is down: publish returns at once, events wait, and all arrive once it is up', async () => {
    const server = await preparedButStopped()
    const sink = track(startNatsSink({ servers: server.url, ...quick }))
    for (let n = 0; n < 50; n++) sink.publish('peer_discovered', discoveredEvent(n))
    expect(sink.stats()).toMatchObject({ published: 0, buffered: 50, inFlight: 0, dropped: 0, connected: false })
    await eventually(() => sink.stats().connects === 0 && !sink.stats().connected, 'still down') // nothing to connect to
    await server.start()
    await eventually(() => sink.stats().published === 50, 'all 50 acknowledged')
    const stored = await storedMessages(server)
    expect(stored.map((m) => (m.body as { timestamp: number }).timestamp - 1_700_000_000_000)).toEqual(Array.from({ length: 50 }, (_, n) => n))
    expect(sink.stats()).toMatchObject({ buffered: 0, dropped: 0 })
  })

  it.each(['stop', 'kill'] as const)('loses nothing and stores nothing twice when the server %ss and restarts mid-stream', async (how) => {
    const server = track(await startNatsServer())
    await prepareStream(server)
    const sink = track(startNatsSink({ servers: server.url, ...quick }))
    let n = 0
    const batch = async () => {
      for (let i = 0; i < 50; i++, n++) sink.publish(n % 2 ? 'peer_discovered' : 'metadata_received', n % 2 ? discoveredEvent(n) : metadataEvent(n))
      await sleep(10)
    }
    for (let b = 0; b < 6; b++) await batch()
    for (let i = 0; i < 50; i++, n++) sink.publish('peer_discovered', discoveredEvent(n))
    expect(sink.stats().inFlight).toBeGreaterThan(0) // sent at once, not yet acknowledged: the stop hits them
    await (how === 'stop' ? server.stop() : server.kill())
    for (let b = 0; b < 6; b++) await batch()
    expect(sink.stats().buffered).toBeGreaterThan(0)
    await server.start()
    for (let b = 0; b < 6; b++) await batch()
    await eventually(() => sink.stats().buffered === 0 && sink.stats().inFlight === 0, 'queue drained')
    const stored = await storedMessages(server)
    const stamps = stored.map((m) => (m.body as { timestamp: number }).timestamp - 1_700_000_000_000).sort((a, b) => a - b)
    expect(stamps).toEqual(Array.from({ length: n }, (_, i) => i)) // every one, once
    expect(sink.stats().dropped).toBe(0)
    expect(sink.stats().connects).toBeGreaterThanOrEqual(2)
    // Acknowledged + acknowledged-as-duplicate covers every event; a duplicate ack is a retry the server deduplicated.
    expect(sink.stats().published).toBe(n + sink.stats().duplicates)
  })

  it('does not store again an event the server stored before a lost acknowledgement, even across a restart', async () => {
    const server = track(await startNatsServer())
    await prepareStream(server)
    // What a publish whose ack was lost leaves behind: the message stored under the id the sink gives it.
    const body = new TextEncoder().encode(JSON.stringify(discoveredEvent(1)))
    await withConnection(server, async (nc) => {
      await jetstream(nc).publish('events.peer_discovered', body, { msgID: messageId('events.peer_discovered', body) })
    })
    await server.restart()
    const sink = track(startNatsSink({ servers: server.url, ...quick }))
    sink.publish('peer_discovered', discoveredEvent(1)) // the retry
    sink.publish('peer_discovered', discoveredEvent(2))
    await eventually(() => sink.stats().published === 2, 'both acknowledged')
    expect(sink.stats().duplicates).toBe(1)
    expect((await storedMessages(server)).map((m) => (m.body as { timestamp: number }).timestamp - 1_700_000_000_000)).toEqual([1, 2])
  })

  it('drops, without retrying, an event the stream refuses as too large, and goes on with the others', async () => {
    const server = track(await startNatsServer())
    const small = JSON.stringify(discoveredEvent(1)).length
    const large = JSON.stringify(metadataEvent(1)).length
    expect(large).toBeGreaterThan(small + 200) // the limit counts the message-id header (~90 bytes) too
    await withConnection(server, async (nc) => {
      const jsm = await jetstreamManager(nc)
      await jsm.streams.add({ ...newStreamConfig(), max_msg_size: Math.round((small + large) / 2) })
      await jsm.consumers.add(STREAM_NAME, { durable_name: 'test', ack_policy: AckPolicy.Explicit })
    })
    const sink = track(startNatsSink({ servers: server.url, ...quick }))
    sink.publish('metadata_received', metadataEvent(0))
    for (let n = 1; n <= 5; n++) sink.publish('peer_discovered', discoveredEvent(n))
    await eventually(() => sink.stats().published === 5 && sink.stats().rejected === 1, 'five stored, one refused')
    expect(sink.stats()).toMatchObject({ dropped: 1, failed: 1, buffered: 0, inFlight: 0 })
    expect((await storedMessages(server)).map((m) => m.subject)).toEqual(Array(5).fill('events.peer_discovered'))
  })

  it('drops exactly the overflow, oldest first, when the buffer bound is exceeded while down', async () => {
    const server = await preparedButStopped()
    const sink = track(startNatsSink({ servers: server.url, maxBufferedEvents: 100, ...quick }))
    for (let n = 0; n < 130; n++) sink.publish('peer_discovered', discoveredEvent(n))
    expect(sink.stats()).toMatchObject({ buffered: 100, dropped: 30, published: 0 })
    await server.start()
    await eventually(() => sink.stats().published === 100, '100 acknowledged')
    const stamps = (await storedMessages(server)).map((m) => (m.body as { timestamp: number }).timestamp - 1_700_000_000_000)
    expect(stamps).toEqual(Array.from({ length: 100 }, (_, i) => 30 + i))
    expect(sink.stats().dropped).toBe(30)
  })

  it('bounds the buffer by bytes too', async () => {
    const bytes = JSON.stringify(discoveredEvent(0)).length
    const sink = track(startNatsSink({ servers: 'nats://127.0.0.1:1', maxBufferedBytes: 10 * bytes + bytes / 2, ...quick }))
    for (let n = 0; n < 15; n++) sink.publish('peer_discovered', discoveredEvent(n))
    expect(sink.stats()).toMatchObject({ buffered: 10, dropped: 5 })
  })
})

describe('NATS sink: close', () => {
  it('flushes what it buffered before returning', async () => {
    const server = track(await startNatsServer())
    await prepareStream(server)
    const sink = startNatsSink({ servers: server.url, ...quick })
    for (let n = 0; n < 500; n++) sink.publish('peer_discovered', discoveredEvent(n))
    await sink.close(15_000)
    expect(sink.stats()).toMatchObject({ published: 500, buffered: 0, inFlight: 0, dropped: 0, connected: false })
    expect(await storedMessages(server)).toHaveLength(500)
    sink.publish('peer_discovered', discoveredEvent(999)) // after close: counted, not thrown
    expect(sink.stats().dropped).toBe(1)
  })

  it('returns by its deadline when NATS stays down, counting what it could not send', async () => {
    const server = await Server.create() // never started: nothing listens on its port
    track(server)
    const sink = startNatsSink({ servers: server.url, ...quick })
    for (let n = 0; n < 20; n++) sink.publish('peer_discovered', discoveredEvent(n))
    const started = Date.now()
    await sink.close(300)
    expect(Date.now() - started).toBeLessThan(5_000) // the deadline is 300 ms; only a hang would take 5 s
    expect(sink.stats()).toMatchObject({ published: 0, buffered: 0, dropped: 20 })
  })

  it('leaves no timer behind (the process can exit)', async () => {
    const clock = new ManualClock(0)
    const sink = startNatsSink({ servers: 'nats://127.0.0.1:1', clock, random: () => 1 })
    sink.publish('peer_discovered', discoveredEvent(1))
    await eventually(() => clock.pendingTimers === 1, 'the first attempt failed and a retry is scheduled')
    const closed = sink.close(1_000)
    clock.advance(1_000)
    await closed
    await sleep(50) // a connection attempt started by close may still be failing
    expect(clock.pendingTimers).toBe(0)
  })
})

describe('NATS sink: backoff (on an injected clock)', () => {
  /** How many connection attempts have failed, from the logs. */
  const attempts = (lines: { msg: string; fields?: Record<string, unknown> }[]) => lines.filter((l) => l.msg === 'nats: cannot connect, will retry').length

  it('retries connecting after 500 ms, 1 s, 2 s, ... and connects on the first attempt after the server is up', async () => {
    const server = await preparedButStopped()
    const clock = new ManualClock(0)
    const { lines, logger } = capture()
    // random = 1: the equal-jitter delay is exactly min(cap, base * 2^(n-1)).
    const sink = track(startNatsSink({ servers: server.url, clock, random: () => 1, logger }), clock)
    sink.publish('peer_discovered', discoveredEvent(1))
    await eventually(() => attempts(lines) === 1, 'first attempt failed')
    clock.advance(499)
    await sleep(200)
    expect(attempts(lines)).toBe(1)
    clock.advance(1)
    await eventually(() => attempts(lines) === 2, 'second attempt failed')
    clock.advance(999)
    await sleep(200)
    expect(attempts(lines)).toBe(2)
    await server.start()
    await sleep(200)
    expect(sink.stats().connects).toBe(0) // up, but the next attempt is not due yet
    clock.advance(1)
    await eventually(() => sink.stats().published === 1, 'connected and published')
    expect(attempts(lines)).toBe(2)
  })

  it('pauses publishing for 200 ms, 400 ms, ... while the server rejects, one pause per round', async () => {
    const server = track(await startNatsServer({ jetstream: false })) // every publish fails: no JetStream
    const clock = new ManualClock(0)
    const sink = track(startNatsSink({ servers: server.url, clock, random: () => 1, maxInFlight: 8 }), clock)
    for (let n = 0; n < 5; n++) sink.publish('peer_discovered', discoveredEvent(n))
    await eventually(() => sink.stats().failed === 5, 'the first round (5 in flight) failed')
    expect(sink.stats()).toMatchObject({ buffered: 5, inFlight: 0, published: 0 })
    clock.advance(199)
    await sleep(200)
    expect(sink.stats().failed).toBe(5)
    clock.advance(1)
    await eventually(() => sink.stats().failed === 10, 'the second round failed')
    clock.advance(399)
    await sleep(200)
    expect(sink.stats().failed).toBe(10)
    clock.advance(1)
    await eventually(() => sink.stats().failed === 15, 'the third round failed')
    expect(sink.stats()).toMatchObject({ dropped: 0, buffered: 5 })
    expect(sink.stats().streamErrors).toBeGreaterThanOrEqual(1)
  })
})
