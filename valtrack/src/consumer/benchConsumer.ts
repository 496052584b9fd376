/**
 * The consumer benchmark of `npm run bench` (also alone: `node dist/consumer/benchConsumer.js [events] [liveRate]`,
 * after `npm run build`): the Consumer with its production defaults, in a child process of its own
 * (benchConsumerChild.ts, with the V8 flags `valtrack consumer` runs with), against a real nats-server (JetStream, temporary store),
 * on events like the sentry's: per peer one peer_discovered and two metadata_received (a first handshake and a
 * revisit five epochs and 15,000 events later), with random ENRs, peer and node ids, a client mix, and subscribed subnets made
 * from the node id's long-lived subnets (compute_subscribed_subnets) plus short-lived ones, with subscribe-all,
 * aggregator, stale and incomplete peers among them; each published with the sentry's message id.
 *
 * Three runs, each on a fresh server and data directory (or directories), `events` events each:
 * - backlog: every event is published first (the durable exists, so they wait in the stream), then the
 *   consumer starts: events/s from its first message consumed to the last acknowledgement (acknowledged only
 *   once its rows are in fsynced parts), with nothing else running.
 * - backlog, 2 instances: the same with two consumer processes under the one durable name (the consumer's way
 *   to scale out), each with its own instance id and data directory: events/s from the first message either
 *   consumes to the last acknowledgement of either; every sequence on disk exactly once across both
 *   directories, and the counts summed (acknowledgement order is not checked per sequence there: each takes
 *   an interleaved share of the stream).
 * - live: the consumer runs while this process publishes at `liveRate` events/s (pipelined js.publish, paced):
 *   latency from each publish to its acknowledgement, p50/p99/max, by stream sequence: publish time from this
 *   process's PubAck, acknowledgement time from the consumer's onFlush (the consumer acknowledges in stream
 *   order: after a flush with N acknowledged in all, sequences 1..N are).
 * Checked in each run: at every acknowledgement the rows of every acknowledged sequence were in finalised parts
 * (from the part names, per file); no redelivery, duplicate or dead letter; the server holds nothing
 * unacknowledged; read back, every stream sequence is on disk exactly once, in the files of its kind. Peak RSS
 * (getrusage) and CPU time are the consumer process's alone; "µs/event" is its CPU time over the events,
 * start-up and stop included. Times are wall clock, comparable across the processes.
 * BENCH_CONSUMER_CPU_PROF=<dir> runs the consumer with `--cpu-prof` into that directory; BENCH_CONSUMER_NODE_FLAGS
 * replaces the V8 flags the binary runs with (its shebang's, nodeFlags.ts; e.g. `--max-semi-space-size=16`) for the consumer process; BENCH_CONSUMER_ONLY=backlog, backlog2
 * or live (comma-separated for several) runs only those.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { AckPolicy, DeliverPolicy, type JetStreamClient, jetstream, jetstreamManager } from '@nats-io/jetstream'
import { connect, type NatsConnection } from '@nats-io/transport-node'
import type { MetadataReceivedEvent, PeerDiscoveredEvent } from '../events.js'
import { forkSchedule } from '../forks.js'
import { computeSubscribedSubnets } from '../inference/subnets.js'
import { silentLogger } from '../logger.js'
import { builtinNetwork } from '../networks.js'
import { SENTRY_NODE_FLAGS } from '../nodeFlags.js'
import { messageId } from '../sinks/natsSink.js'
import { defaultStreamSettings, ensureStream, STREAM_NAME } from '../sinks/streamConfig.js'
import { type Rng, rng } from '../testing/random.js'
import { startNatsServer } from '../testing/natsServer.js'
import { readPartSeqs } from './parts.js'
import { FILE_KINDS, type FileKind } from './schema.js'

const DURABLE = 'valtrack-consumer'
/** The consumer's defaults (consumer.ts), so that its ensureDurable finds the durable as it wants it. */
const ACK_WAIT_MS = 60_000
const MAX_ACK_PENDING = 20_000
/** Publishes awaiting their acknowledgement at most. */
const PUBLISH_WINDOW = 1_000

// ------------------------------------------------------------------------------------------------- the events

const B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'
const chars = (r: Rng, alphabet: string, n: number) => {
  let s = ''
  for (let i = 0; i < n; i++) s += alphabet[r.int(alphabet.length)]
  return s
}
const hex = (r: Rng, bytes: number) => Buffer.from(r.bytes(bytes)).toString('hex')
const attnetsHex = (subnets: Iterable<number>) => {
  let bits = 0n
  for (const s of subnets) bits |= 1n << BigInt(s)
  // Bit i of byte i/8, least significant first: the little-endian bytes of the 64-bit number.
  const b = Buffer.alloc(8)
  b.writeBigUInt64LE(bits)
  return `0x${b.toString('hex')}`
}

const clients = [
  [0.35, (r: Rng) => `Lighthouse/v7.1.${r.int(3)}-${hex(r, 4).slice(0, 7)}/x86_64-linux`],
  [0.3, (r: Rng) => `Prysm/v7.1.${r.int(3)}/${hex(r, 20)}`],
  [0.15, (r: Rng) => `teku/v25.${9 + r.int(3)}.${r.int(3)}/linux-x86_64/-eclipseadoptium-openjdk64bitservervm-java-21`],
  [0.1, (r: Rng) => `nimbus/v25.${9 + r.int(3)}.${r.int(2)}-${hex(r, 4).slice(0, 7)}-stateofus`],
  [0.05, (r: Rng) => `Lodestar/v1.3${4 + r.int(3)}.0/${hex(r, 4)}`],
  [0.03, (r: Rng) => `Grandine/1.1.${r.int(5)}-${hex(r, 4).slice(0, 7)}/x86_64-linux`],
  [0.02, () => 'erigon/caplin'],
] as const

/** How a peer's subscriptions relate to its long-lived subnets (the inference's cases). */
type PeerKind = 'match' | 'subscribe_all' | 'superset' | 'stale' | 'incomplete'
const peerKinds: Array<[number, PeerKind]> = [
  [0.75, 'match'],
  [0.1, 'subscribe_all'],
  [0.08, 'superset'],
  [0.05, 'stale'],
  [0.02, 'incomplete'],
]
const pick = <T>(r: Rng, table: ReadonlyArray<readonly [number, T]>): T => {
  let x = r.next()
  for (const [p, v] of table) if ((x -= p) < 0) return v
  return table[table.length - 1]![1]
}

type Peer = {
  enr: string
  id: string
  nodeId: string
  nodeIdBig: bigint
  ip: string
  port: number
  kind: PeerKind
  client: string
  cgc: number
  extra: number[]
  stale: number[]
  /** The attnets of its ENR (those at discovery). */
  enrAttnets: string
}

/** RLP of a byte string or a list of encoded items. */
const rlpBytes = (b: Uint8Array): Buffer => (b.length === 1 && b[0]! < 0x80 ? Buffer.from(b) : Buffer.concat([rlpLength(0x80, b.length), b]))
const rlpList = (items: Buffer[]): Buffer => {
  const payload = Buffer.concat(items)
  return Buffer.concat([rlpLength(0xc0, payload.length), payload])
}
function rlpLength(base: number, n: number): Buffer {
  if (n <= 55) return Buffer.of(base + n)
  const len = Buffer.from(n.toString(16).padStart(n > 0xff ? 4 : 2, '0'), 'hex')
  return Buffer.concat([Buffer.of(base + 55 + len.length), len])
}
const uint = (n: number) => Buffer.from(n.toString(16).padStart(n > 0xff ? 4 : 2, '0'), 'hex')

/**
 * An ENR's text as a node's record is: the RLP of a signature and the sorted key/value pairs (attnets, cgc, eth2,
 * id, ip, secp256k1, syncnets, tcp, udp), base64url. Signature and key are random bytes (not a valid signature:
 * the consumer stores the text), so that the text is as long and as compressible as a real one.
 */
function enrText(r: Rng, ip: number[], port: number, attnets: string, cgc: number, digest: string): string {
  const str = (s: string) => rlpBytes(Buffer.from(s))
  const eth2 = Buffer.concat([Buffer.from(digest, 'hex'), Buffer.from('06000000', 'hex'), Buffer.from('ffffffffffffffff', 'hex')])
  const record = rlpList([
    rlpBytes(r.bytes(64)),
    rlpBytes(uint(1 + r.int(300))),
    str('attnets'),
    rlpBytes(Buffer.from(attnets.slice(2), 'hex')),
    str('cgc'),
    rlpBytes(uint(cgc)),
    str('eth2'),
    rlpBytes(eth2),
    str('id'),
    str('v4'),
    str('ip'),
    rlpBytes(Uint8Array.from(ip)),
    str('secp256k1'),
    rlpBytes(Uint8Array.of(2 + r.int(2), ...r.bytes(32))),
    str('syncnets'),
    rlpBytes(Uint8Array.of(0)),
    str('tcp'),
    rlpBytes(uint(port)),
    str('udp'),
    rlpBytes(uint(port)),
  ])
  return `enr:${record.toString('base64url')}`
}

function randomPeer(r: Rng, epoch: number, digest: string): Peer {
  const nodeId = hex(r, 32)
  const nodeIdBig = BigInt(`0x${nodeId}`)
  const kind = pick(r, peerKinds)
  const ip = [1 + r.int(223), r.int(256), r.int(256), 1 + r.int(254)]
  const port = r.next() < 0.7 ? 9000 : r.next() < 0.5 ? 13000 : 9000 + r.int(1000)
  const cgc = r.next() < 0.9 ? 4 : r.next() < 0.7 ? 8 : 128
  const stale = [r.int(64), r.int(64)]
  const attnets = kind === 'subscribe_all' ? '0xffffffffffffffff' : attnetsHex(kind === 'stale' ? stale : computeSubscribedSubnets(nodeIdBig, epoch))
  return {
    enr: enrText(r, ip, port, attnets, cgc, digest),
    id: `16Uiu2HAm${chars(r, B58, 44)}`,
    nodeId,
    nodeIdBig,
    ip: ip.join('.'),
    port,
    kind,
    client: pick(r, clients)(r),
    cgc,
    extra: [r.int(64), r.int(64)],
    stale,
    enrAttnets: attnets,
  }
}

const range64 = Array.from({ length: 64 }, (_, i) => i)

function discovered(p: Peer, crawler: { id: string; location: string }, digest: string, now: number): PeerDiscoveredEvent {
  return {
    schema_version: 1,
    enr: p.enr,
    id: p.id,
    node_id: p.nodeId,
    ip: p.ip,
    port: p.port,
    fork_digest: `0x${digest}`,
    attnets: p.enrAttnets,
    syncnets: '0x00',
    custody_group_count: p.cgc,
    enr_problems: [],
    crawler_id: crawler.id,
    crawler_location: crawler.location,
    timestamp: now,
  }
}

function metadata(r: Rng, p: Peer, crawler: { id: string; location: string }, digest: string, epoch: number, now: number): MetadataReceivedEvent {
  const longLived = computeSubscribedSubnets(p.nodeIdBig, epoch)
  // Short-lived: the attestation duties of the validators it serves, often none.
  const short = r.next() < 0.45 ? [] : Array.from({ length: 1 + r.int(6) }, () => r.int(64))
  const advertised = p.kind === 'subscribe_all' ? range64 : p.kind === 'superset' ? [...longLived, ...p.extra] : p.kind === 'stale' ? p.stale : longLived
  const subscribed = p.kind === 'subscribe_all' ? range64 : p.kind === 'incomplete' ? short : [...advertised, ...short]
  const slot = epoch * 32 + r.int(32)
  return {
    schema_version: 1,
    enr: p.enr,
    id: p.id,
    node_id: p.nodeId,
    multiaddr: `/ip4/${p.ip}/tcp/${p.port}`,
    epoch,
    metadata: { seq_number: 1 + r.int(2_000), attnets: attnetsHex(advertised), syncnets: r.next() < 0.05 ? '0x01' : '0x00' },
    subscribed_subnets: [...new Set(subscribed)].sort((a, b) => a - b),
    client_version: p.client,
    fork_digest: `0x${digest}`,
    head_slot: slot,
    finalized_epoch: epoch - 2,
    custody_group_count: p.cgc,
    protocols: { status: 'status/2', metadata: 'metadata/3' },
    direction: r.next() < 0.9 ? 'outbound' : 'inbound',
    handshake_latency_ms: Math.round(40 + 400 * -Math.log(1 - r.next() * 0.999)),
    crawler_id: crawler.id,
    crawler_location: crawler.location,
    timestamp: now,
  }
}

type Message = { subject: string; data: Uint8Array; msgID: string; kind: 0 | 1 }

/** Peers between a peer's first handshake and its revisit: 15,000 events, more than a part holds (10,000). */
const REVISIT_LAG = 5_000

/**
 * `n` events as the sentry publishes them: per peer discovered, a peer_discovered and its first
 * metadata_received, and the revisit (five epochs later) of a peer discovered REVISIT_LAG peers before (of one
 * known from before, at the start).
 */
export function benchEvents(n: number, seed = 1): Message[] {
  const r = rng(seed)
  const at = forkSchedule(builtinNetwork('mainnet'))(Date.now())
  const crawler = { id: `16Uiu2HAm${chars(r, B58, 44)}`, location: 'eu-central' }
  const now = Date.now()
  const out: Message[] = []
  const encoder = new TextEncoder()
  const add = (kind: 0 | 1, event: object) => {
    if (out.length >= n) return
    const subject = kind === 0 ? 'events.peer_discovered' : 'events.metadata_received'
    const data = encoder.encode(JSON.stringify(event))
    out.push({ subject, data, msgID: messageId(subject, data), kind })
  }
  const peers: Peer[] = []
  for (let i = 0; out.length < n; i++) {
    const p = randomPeer(r, at.epoch, at.digestHex)
    peers.push(p)
    const t = now + i * 10
    add(0, discovered(p, crawler, at.digestHex, t))
    add(1, metadata(r, p, crawler, at.digestHex, at.epoch, t + 2_000))
    const old = i >= REVISIT_LAG ? peers[i - REVISIT_LAG]! : randomPeer(r, at.epoch - 5, at.digestHex)
    add(1, metadata(r, old, crawler, at.digestHex, at.epoch + 5, t + 2_500))
  }
  return out
}

// ------------------------------------------------------------------------------------------------- the runs

const wall = () => performance.timeOrigin + performance.now()

type ChildLine =
  | { ev: 'ready'; t: number }
  | { ev: 'first'; t: number }
  | { ev: 'flush'; t: number; ms: number; acked: number; total: number; highest: Record<FileKind, number>; parts: number; rss: number; heapUsed: number; arrayBuffers: number }
  | {
      ev: 'done'
      t: number
      elapsedMs: number
      stats: { consumed: number; acked: number; redeliveries: number; duplicates: number; deadLetters: number; flushFailures: number }
      maxRssKiB: number
      rss: number
      cpuUserMs: number
      cpuSystemMs: number
    }
type Flush = Extract<ChildLine, { ev: 'flush' }>
type Done = Extract<ChildLine, { ev: 'done' }>

class ConsumerProcess {
  readonly child: ChildProcess
  readonly flushes: Flush[] = []
  ready: number | undefined
  first: number | undefined
  done: Done | undefined
  private stderr = ''
  private waiters: Array<() => void> = []
  private exited = false

  constructor(url: string, dataDir: string, instanceId = 'bench') {
    const script = fileURLToPath(new URL('./benchConsumerChild.js', import.meta.url))
    const prof = process.env.BENCH_CONSUMER_CPU_PROF
    const v8 = process.env.BENCH_CONSUMER_NODE_FLAGS?.split(' ').filter(Boolean) ?? SENTRY_NODE_FLAGS
    const flags = [...v8, ...(prof ? ['--cpu-prof', '--cpu-prof-dir', prof] : [])]
    this.child = spawn(process.execPath, [...flags, script, url, DURABLE, dataDir, instanceId], { stdio: ['pipe', 'pipe', 'pipe'] })
    this.child.stderr!.setEncoding('utf8').on('data', (d: string) => (this.stderr = (this.stderr + d).slice(-8_000)))
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      const m = JSON.parse(line) as ChildLine
      if (m.ev === 'ready') this.ready = m.t
      else if (m.ev === 'first') this.first = m.t
      else if (m.ev === 'flush') this.flushes.push(m)
      else this.done = m
      this.wake()
    })
    this.child.once('exit', () => ((this.exited = true), this.wake()))
  }

  get acked(): number {
    return this.flushes.at(-1)?.total ?? 0
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w()
  }

  /** Resolves once `cond` holds; rejects if the process exits first or after `timeoutMs`. */
  async until(what: string, cond: () => boolean, timeoutMs: number): Promise<void> {
    const end = Date.now() + timeoutMs
    while (!cond()) {
      if (this.exited) throw new Error(`consumer exited while waiting for ${what}:\n${this.stderr}`)
      if (Date.now() > end) throw new Error(`timed out waiting for ${what} (acked ${this.acked})`)
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve)
        setTimeout(resolve, 250)
      })
    }
  }

  async stop(): Promise<Done> {
    this.child.stdin!.write('stop\n')
    await this.until('its final report', () => this.done !== undefined, 30_000)
    await new Promise<void>((resolve) => (this.exited ? resolve() : this.child.once('exit', () => resolve())))
    return this.done!
  }
}

async function createDurable(nc: NatsConnection): Promise<void> {
  const jsm = await jetstreamManager(nc)
  await ensureStream(jsm, defaultStreamSettings, silentLogger)
  await jsm.consumers.add(STREAM_NAME, {
    durable_name: DURABLE,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: ACK_WAIT_MS * 1_000_000,
    max_ack_pending: MAX_ACK_PENDING,
  })
}

/**
 * Publishes every message, at most PUBLISH_WINDOW awaiting their acknowledgement, at `rate` per second if given
 * (else as fast as the server acknowledges); records each stream sequence's publish time and kind.
 */
async function publishAll(js: JetStreamClient, messages: Message[], pubTime: Float64Array, kindOf: Uint8Array, rate?: number): Promise<number> {
  const start = performance.now()
  let next = 0
  let inFlight = 0
  let acked = 0
  await new Promise<void>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined
    const pump = () => {
      timer = undefined
      const due = rate ? Math.min(messages.length, Math.floor(((performance.now() - start) * rate) / 1000) + 1) : messages.length
      while (next < due && inFlight < PUBLISH_WINDOW) {
        const m = messages[next++]!
        const t = wall()
        inFlight++
        js.publish(m.subject, m.data, { msgID: m.msgID }).then((ack) => {
          if (ack.duplicate) return reject(new Error(`publish of seq ${ack.seq} acknowledged as a duplicate`))
          pubTime[ack.seq] = t
          kindOf[ack.seq] = m.kind
          inFlight--
          if (++acked === messages.length) resolve()
          else if (timer === undefined) pump()
        }, reject)
      }
      if (next < messages.length && timer === undefined && inFlight < PUBLISH_WINDOW) timer = setTimeout(pump, 1)
    }
    pump()
  })
  return performance.now() - start
}

/** Reads every part back: each stream sequence exactly once, in the files of its kind. Returns the parts' bytes. */
async function verifyDisk(dataDirs: string[], n: number, kindOf: Uint8Array): Promise<{ parts: number; bytes: number }> {
  const seqs: Record<FileKind, number[]> = { discovery_events: [], metadata_events: [], validator_metadata_events: [] }
  let parts = 0
  let bytes = 0
  for (const file of FILE_KINDS) {
    for (const dataDir of dataDirs) {
      const dir = join(dataDir, file)
      for (const name of readdirSync(dir)) {
        if (!name.endsWith('.parquet')) throw new Error(`unexpected file ${name} in ${dir}`)
        parts++
        bytes += statSync(join(dir, name)).size
        for (const s of await readPartSeqs(join(dir, name))) seqs[file].push(s)
      }
    }
    seqs[file].sort((a, b) => a - b)
  }
  const expected: [number[], number[]] = [[], []]
  for (let s = 1; s <= n; s++) expected[kindOf[s]!]!.push(s)
  const same = (a: number[], b: number[]) => a.length === b.length && a.every((v, i) => v === b[i])
  const check = (file: FileKind, want: number[]) => {
    if (!same(seqs[file], want)) throw new Error(`${file}: ${seqs[file].length} rows on disk (${new Set(seqs[file]).size} distinct), expected exactly the ${want.length} sequences of its kind`)
  }
  check('discovery_events', expected[0])
  check('metadata_events', expected[1])
  check('validator_metadata_events', expected[1])
  return { parts, bytes }
}

type RunResult = {
  mode: 'backlog' | 'live'
  /** Consumer processes under the one durable name. */
  instances: number
  events: number
  publishMs: number
  consumeMs: number
  /** From the last publish to the last acknowledgement. */
  tailMs: number
  eventsPerS: number
  latency: { p50: number; p99: number; max: number } | undefined
  flushes: { count: number; meanMs: number; maxMs: number; totalMs: number }
  /** The largest of the consumer processes'. */
  maxRssMiB: number
  /** Largest at a flush (after it): the JS heap in use, and array buffers (message payloads, encoded parts). */
  maxHeapMiB: number
  maxArrayBuffersMiB: number
  cpuCores: number
  /** The consumer processes' CPU time (user + system), start to stop, summed. */
  cpuMs: number
  disk: { parts: number; bytes: number }
  load: [number, number]
}

const quantile = (sorted: Float64Array, q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!

async function run(mode: 'backlog' | 'live', messages: Message[], rate: number, instances = 1): Promise<RunResult> {
  const n = messages.length
  const load0 = loadavg()[0]!
  const nats = await startNatsServer()
  const dataDirs = Array.from({ length: instances }, () => mkdtempSync(join(tmpdir(), 'valtrack-bench-consumer-')))
  const nc = await connect({ servers: nats.url })
  let consumers: ConsumerProcess[] = []
  const start = () => (consumers = dataDirs.map((d, i) => new ConsumerProcess(nats.url, d, instances === 1 ? 'bench' : `bench${i}`)))
  const total = () => consumers.reduce((a, c) => a + c.acked, 0)
  try {
    await createDurable(nc)
    const js = jetstream(nc)
    const pubTime = new Float64Array(n + 1)
    const kindOf = new Uint8Array(n + 1)
    let publishMs: number
    if (mode === 'backlog') {
      publishMs = await publishAll(js, messages, pubTime, kindOf)
      start()
    } else {
      for (const c of start()) await c.until('the consumer to connect', () => c.ready !== undefined, 30_000)
      publishMs = await publishAll(js, messages, pubTime, kindOf, rate)
    }
    // Each waits for all of them (and fails if its own process exits first).
    await Promise.all(consumers.map((c) => c.until(`${n} acknowledged`, () => total() >= n, 600_000)))
    const dones = await Promise.all(consumers.map((c) => c.stop()))
    const cs = consumers
    consumers = []

    const s = { consumed: 0, acked: 0, redeliveries: 0, duplicates: 0, deadLetters: 0, flushFailures: 0 }
    for (const d of dones) for (const k of Object.keys(s) as Array<keyof typeof s>) s[k] += d.stats[k]
    if (s.consumed !== n || s.acked !== n || s.redeliveries || s.duplicates || s.deadLetters || s.flushFailures)
      throw new Error(`consumer stats off (${instances === 1 ? 'one consumer' : `${instances} consumers, summed`}): ${JSON.stringify(s)}`)
    const info = await (await jetstreamManager(nc)).consumers.info(STREAM_NAME, DURABLE)
    const stream = await (await jetstreamManager(nc)).streams.info(STREAM_NAME)
    if (info.num_pending !== 0 || info.num_ack_pending !== 0 || stream.state.messages !== 0 || stream.state.last_seq !== n)
      throw new Error(`server: ${info.num_pending} pending, ${info.num_ack_pending} unacknowledged, ${stream.state.messages} messages kept, last seq ${stream.state.last_seq}`)
    for (const c of cs) {
      let prev = 0
      for (const f of c.flushes) {
        if (f.total !== prev + f.acked || f.total > n) throw new Error(`flush reports ${f.acked} acknowledged, ${f.total} in all, after ${prev}`)
        prev = f.total
      }
    }
    // One consumer: it acknowledges in the order it consumed, which is stream order (no redelivery): after a
    // flush with `total` acknowledged in all, sequences 1..total are. Each of them must be on disk by then: per
    // file, the file's parts (consecutive runs of its rows) reach its last sequence at or below `total`. (With
    // several, each takes an interleaved share of the stream: not checked per acknowledgement, and no latency.)
    const ackTime = new Float64Array(n + 1)
    if (instances === 1) {
      const c = cs[0]!
      const lastOfKind = [new Int32Array(n + 1), new Int32Array(n + 1)] as const
      for (let s = 1; s <= n; s++) {
        lastOfKind[0][s] = kindOf[s] === 0 ? s : lastOfKind[0][s - 1]!
        lastOfKind[1][s] = kindOf[s] === 1 ? s : lastOfKind[1][s - 1]!
      }
      const fileKind: Record<FileKind, 0 | 1> = { discovery_events: 0, metadata_events: 1, validator_metadata_events: 1 }
      let prev = 0
      for (const f of c.flushes) {
        for (const file of FILE_KINDS) {
          const need = lastOfKind[fileKind[file]][f.total]!
          if (f.highest[file] < need) throw new Error(`${f.total} acknowledged while ${file} parts reach only seq ${f.highest[file]} (${need} needed)`)
        }
        ackTime.fill(f.t, prev + 1, f.total + 1)
        prev = f.total
      }
    }
    const disk = await verifyDisk(dataDirs, n, kindOf)
    const lat = new Float64Array(n)
    for (let seq = 1; seq <= n; seq++) lat[seq - 1] = ackTime[seq]! - pubTime[seq]!
    lat.sort()
    const flushes = cs.flatMap((c) => c.flushes)
    const lastAck = Math.max(...cs.map((c) => c.flushes.at(-1)?.t ?? 0))
    const consumeMs = lastAck - Math.min(...cs.map((c) => c.first ?? Infinity))
    const flushMs = flushes.map((f) => f.ms)
    const cpuMs = dones.reduce((a, d) => a + d.cpuUserMs + d.cpuSystemMs, 0)
    return {
      mode,
      instances,
      events: n,
      publishMs,
      consumeMs,
      tailMs: lastAck - pubTime.reduce((a, b) => Math.max(a, b), 0),
      eventsPerS: n / (consumeMs / 1000),
      latency: mode === 'live' && instances === 1 ? { p50: quantile(lat, 0.5), p99: quantile(lat, 0.99), max: lat[n - 1]! } : undefined,
      flushes: { count: flushMs.length, meanMs: flushMs.reduce((a, b) => a + b, 0) / flushMs.length, maxMs: Math.max(...flushMs), totalMs: flushMs.reduce((a, b) => a + b, 0) },
      maxRssMiB: Math.max(...dones.map((d) => d.maxRssKiB)) / 1024,
      maxHeapMiB: Math.max(...flushes.map((f) => f.heapUsed)) / 2 ** 20,
      maxArrayBuffersMiB: Math.max(...flushes.map((f) => f.arrayBuffers)) / 2 ** 20,
      cpuCores: cpuMs / Math.max(...dones.map((d) => d.elapsedMs)),
      cpuMs,
      disk,
      load: [load0, loadavg()[0]!],
    }
  } finally {
    for (const c of consumers) c.child.kill('SIGKILL')
    await nc.close().catch(() => undefined)
    await nats.dispose()
    for (const d of dataDirs) rmSync(d, { recursive: true, force: true })
  }
}

const num = (v: number) => Math.round(v).toLocaleString('en-US')

function report(r: RunResult, rate: number): void {
  const f = r.flushes
  if (r.mode === 'backlog') {
    const who = r.instances === 1 ? 'one consumer' : `${r.instances} consumer processes, one durable name (instance ids and data directories their own)`
    console.log(`  backlog: ${num(r.events)} events published first (${num(r.events / (r.publishMs / 1000))}/s), then consumed by ${who}`)
    console.log(`    ${(r.instances === 1 ? 'throughput, durable acks' : 'throughput, durable acks, all together').padEnd(44)} ${num(r.eventsPerS).padStart(12)} events/s (${(r.consumeMs / 1000).toFixed(2)} s, first message to last ack)`)
  } else {
    const l = r.latency!
    console.log(`  live: ${num(r.events)} events published at ${num(rate)}/s (achieved ${num(r.events / (r.publishMs / 1000))}/s) while consuming`)
    console.log(`    ${'throughput, durable acks'.padEnd(44)} ${num(r.eventsPerS).padStart(12)} events/s (the last ack ${(r.tailMs / 1000).toFixed(1)} s after the last publish)`)
    console.log(`    ${'publish → ack'.padEnd(44)} p50 ${num(l.p50)} ms, p99 ${num(l.p99)} ms, max ${num(l.max)} ms`)
  }
  console.log(`    flushes: ${f.count} (mean ${f.meanMs.toFixed(0)} ms, max ${f.maxMs.toFixed(0)} ms, ${((100 * f.totalMs) / (r.consumeMs * r.instances)).toFixed(0)}% of the time${r.instances === 1 ? '' : ', per process'}); ${r.disk.parts} parts, ${(r.disk.bytes / 2 ** 20).toFixed(1)} MiB; every seq on disk exactly once${r.instances === 1 ? ', each ack after its rows' : ` (across the ${r.instances} data directories)`}`)
  console.log(`    ${r.instances === 1 ? 'consumer' : 'consumers'}: peak RSS ${r.maxRssMiB.toFixed(0)} MiB${r.instances === 1 ? '' : ' (the larger)'} (after a flush at most: heap ${r.maxHeapMiB.toFixed(0)} MiB, array buffers ${r.maxArrayBuffersMiB.toFixed(0)} MiB), CPU ${(r.cpuMs / 1000).toFixed(1)} s${r.instances === 1 ? '' : ' together'} (${num((r.cpuMs * 1000) / r.events)} µs/event with start and stop, ${r.cpuCores.toFixed(2)} cores); load average ${r.load[0].toFixed(2)} → ${r.load[1].toFixed(2)}`)
}

export type BenchConsumerResult = { backlog?: RunResult; backlog2?: RunResult; live?: RunResult }

/** Runs both (see the module comment) and prints them. */
export async function benchConsumer(events = 100_000, liveRate = 20_000): Promise<BenchConsumerResult> {
  const messages = benchEvents(events)
  const bytes = messages.reduce((a, m) => a + m.data.length, 0)
  const discoveredCount = messages.filter((m) => m.kind === 0).length
  console.log(
    `consumer: ${num(events)} events (${num(discoveredCount)} peer_discovered, ${num(events - discoveredCount)} metadata_received, mean ${num(bytes / events)} B) through nats-server, durable acks (parts fsynced)`,
  )
  // BENCH_CONSUMER_ONLY=backlog, backlog2 or live (or several, comma-separated): only those (for repeated measurements).
  const only = process.env.BENCH_CONSUMER_ONLY?.split(',')
  const want = (r: keyof BenchConsumerResult) => !only || only.includes(r)
  const out: BenchConsumerResult = {}
  if (want('backlog')) report((out.backlog = await run('backlog', messages, liveRate)), liveRate)
  if (want('backlog2')) report((out.backlog2 = await run('backlog', messages, liveRate, 2)), liveRate)
  if (want('live')) report((out.live = await run('live', messages, liveRate)), liveRate)
  return out
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const events = Number(process.argv[2] ?? 100_000)
  const rate = Number(process.argv[3] ?? 20_000)
  if (!Number.isSafeInteger(events) || events < 1 || !(rate > 0)) {
    process.stderr.write('usage: node dist/consumer/benchConsumer.js [events] [liveRate]\n')
    process.exit(2)
  }
  await benchConsumer(events, rate)
}
