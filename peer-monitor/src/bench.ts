/**
 * `npm run bench`: CPU per update cycle, memory of the real service (peak RSS, RSS and heapUsed after a
 * forced GC) from 0 to 10,000 EL + 10,000 CL peers, and peer-change-to-output latency over a loopback
 * WebSocket subscription. `--memory-only` skips CPU and latency; `--verbose` prints rows as they finish;
 * `--repeat=N` runs every row N times and reports medians (default 3); `--rows=10000+0,5000+5000` measures
 * only those rows.
 *
 * The measured service and this process run with the production node flags, read from the Dockerfile's
 * ENTRYPOINT (testing/nodeFlags): the benchmark re-executes itself with them. `--node-flags="..."` replaces them
 * for a comparison (the header then says so; not the shipped setting).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { join } from 'node:path'
import { parseClPeersBody } from './clPeers'
import { listCollector, parseElPeer } from './elPeers'
import { parseRpcMessage } from './jsonRpc'
import { forEachElement } from './jsonScan'
import { snapshotChunks } from './format'
import { diffPeers, reuseKnown } from './peerState'
import { emptyLayerState } from './snapshot'
import { beaconPeer, FakeBeacon } from './testing/fakeBeacon'
import { FakeGeth, gethPeer } from './testing/fakeGeth'
import { productionNodeFlags } from './testing/nodeFlags'

const main = join(__dirname, 'main.js')
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const hex = (i: number, len = 64) => i.toString(16).padStart(len, '0')

const clients = ['Geth/v1.17.5-stable-abc/linux-amd64/go1.25', 'Nethermind/v1.30.0+abc/linux-x64/dotnet9', 'erigon/v3.0.0/linux-amd64/go1.23', 'reth/v1.3.0-abc/x86_64-unknown-linux-gnu', 'besu/v25.1.0/linux-x86_64/openjdk-java-21']

function elPeers(n: number, offset = 0) {
  return Array.from({ length: n }, (_, i) => gethPeer(hex(i + offset), { name: clients[i % clients.length], network: { remoteAddress: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:30303`, inbound: i % 3 === 0 } }))
}
function clPeers(n: number, offset = 0) {
  return Array.from({ length: n }, (_, i) => beaconPeer(`16Uiu2HAm${hex(i + offset, 44)}`, { direction: i % 2 ? 'inbound' : 'outbound' }))
}

/** CPU ms per cycle: parse of the raw responses + diff + snapshot output as JSON line (and table), 2 % churn. */
function cpuPerCycle(elN: number, clN: number) {
  // As received: the admin_peers JSON-RPC message and the beacon API body, as bytes.
  const raw = (el: unknown[], cl: unknown[]) => [Buffer.from(JSON.stringify({ jsonrpc: '2.0', id: 1, result: el })), Buffer.from(JSON.stringify({ data: cl }))]
  const rawA = raw(elPeers(elN), clPeers(clN))
  // 2% churn between the two alternating responses
  const churn = (n: number) => Math.max(1, Math.round(n * 0.02))
  const rawB = raw(elPeers(elN, churn(elN)), clPeers(clN, churn(clN)))
  const n = elN + clN
  const el = emptyLayerState('el')
  const cl = emptyLayerState('cl')
  el.status = cl.status = 'ok'
  const iterations = n <= 100 ? 400 : n <= 2000 ? 40 : 6
  // As the service does it: both lists parsed entry by entry from bytes, unchanged peers reused, snapshot
  // streamed in pieces.
  const cycle = (raw: Buffer[], table: boolean) => {
    const now = Date.now()
    const message = parseRpcMessage(raw[0]!)
    if (message.kind !== 'response' || !message.result) throw new Error('admin_peers: no result')
    const e = listCollector(parseElPeer, 'admin_peers', reuseKnown(el.peers))
    forEachElement(message.bytes, message.result, e.add)
    const c = parseClPeersBody(raw[1]!, reuseKnown(cl.peers))
    el.peers = diffPeers(el.peers, e.result().items, now).current
    cl.peers = diffPeers(cl.peers, c.items, now).current
    let bytes = 0
    for (const piece of snapshotChunks(el, cl, 'interval', now, table ? 'table' : 'json')) bytes += piece.length
    return bytes
  }
  cycle(rawA, false) // warm up
  cycle(rawB, true)
  const measure = (table: boolean) => {
    const start = process.cpuUsage()
    let bytes = 0
    for (let i = 0; i < iterations; i++) bytes += cycle(i % 2 ? rawA : rawB, table)
    const used = process.cpuUsage(start)
    return { ms: (used.user + used.system) / 1000 / iterations, bytes: bytes / iterations }
  }
  return { json: measure(false), table: measure(true) }
}

function procStatusMb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1])
  return kb / 1024
}

const memProbe = join(__dirname, 'testing', 'memProbe.js')

const flagOverride = process.argv.find((a) => a.startsWith('--node-flags='))
/** Node/V8 flags of the measured service: the Dockerfile's ENTRYPOINT flags unless --node-flags= is given. */
const nodeFlags: string[] = flagOverride === undefined ? productionNodeFlags() : flagOverride.slice('--node-flags='.length).split(/\s+/).filter(Boolean)

/** The built service; `probe` adds --expose-gc and the benchmark-only memory probe (IPC "mem" -> GC + memoryUsage). */
function startService(args: string[], stdout: 'pipe' | 'ignore', probe = false): ChildProcess {
  const node = probe ? [...nodeFlags, '--expose-gc', '-r', memProbe] : nodeFlags
  return spawn(process.execPath, [...node, main, '--listen', '127.0.0.1:0', '--log-level', 'warn', '--log-format', 'json', ...args], {
    stdio: probe ? ['ignore', stdout, 'inherit', 'ipc'] : ['ignore', stdout, 'inherit'],
  })
}

async function stopService(c: ChildProcess) {
  const exited = new Promise((r) => c.once('exit', r))
  c.kill('SIGTERM')
  await exited
}

type ProbeReply = { gc: boolean; rss: number; heapUsed: number; heapTotal: number; external: number; arrayBuffers: number; vmHwmKb: number | null }

function askProbe<T>(child: ChildProcess, what: 'mem' | 'cpu'): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('memory probe did not answer')), 5000)
    child.once('message', (m) => {
      clearTimeout(timer)
      resolve(m as T)
    })
    child.send(what)
  })
}
const askMemory = (child: ChildProcess) => askProbe<ProbeReply>(child, 'mem')
const askCpu = async (child: ChildProcess) => (await askProbe<{ cpuUs: number }>(child, 'cpu')).cpuUs

export type MemoryResult = {
  elPeers: number
  clPeers: number
  /** Peak RSS over the whole run (VmHWM), MB. */
  peakRss: number
  /** RSS right after a full GC, MB (median of the samples). */
  gcRss: number
  /** V8 heapUsed right after a full GC, MB (median of the samples). */
  gcHeapUsed: number
  /** CPU time (user + system) of the service process per admin_peers cycle, ms, between 2 s and 6 s (no forced GC). */
  serviceCpu: number
  cycles: number
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const mb = (bytes: number) => bytes / 1024 / 1024

/**
 * Memory of the real service process (dist/main.js) holding `el` EL + `cl` CL peers from the loopback fakes,
 * interval 0.5 s (every cycle re-fetches, re-parses and prints a full snapshot), for `seconds`.
 * Peak = VmHWM of the process. Steady state = RSS and heapUsed right after a forced full GC (--expose-gc),
 * sampled 3 times during the last seconds of the run, median.
 */
async function serviceMemory(el: number, cl: number, seconds = 8): Promise<MemoryResult> {
  const geth = new FakeGeth()
  const beacon = new FakeBeacon()
  await geth.start()
  await beacon.start()
  geth.peers = elPeers(el)
  beacon.peers = clPeers(cl)
  const child = startService(['--el-url', geth.wsUrl, '--cl-url', beacon.url, '--interval', '0.5'], 'ignore', true)
  const samples: ProbeReply[] = []
  const started = Date.now()
  // CPU per cycle of the real service (parse, diff, snapshot output, GC, I/O) after the start-up burst.
  await sleep(2000)
  const cpu0 = await askCpu(child)
  const calls0 = geth.calls.get('admin_peers') ?? 0
  await sleep((seconds - 4) * 1000)
  const cpu1 = await askCpu(child)
  const calls1 = geth.calls.get('admin_peers') ?? 0
  for (let i = 0; i < 3; i++) {
    samples.push(await askMemory(child))
    await sleep(600)
  }
  const peakRss = procStatusMb(child.pid!, 'VmHWM')
  const calls = geth.calls.get('admin_peers') ?? 0
  await stopService(child)
  await geth.stop()
  await beacon.stop()
  if (!samples.every((s) => s.gc)) throw new Error('the service was not started with --expose-gc')
  const minCycles = Math.floor((Date.now() - started) / 1000) // at least one cycle per 2 intervals on average
  if (calls < Math.min(3, minCycles)) throw new Error(`service made only ${calls} admin_peers calls at ${el}+${cl} peers`)
  return {
    elPeers: el,
    clPeers: cl,
    peakRss,
    gcRss: median(samples.map((s) => mb(s.rss))),
    gcHeapUsed: median(samples.map((s) => mb(s.heapUsed))),
    serviceCpu: (cpu1 - cpu0) / 1000 / Math.max(1, calls1 - calls0),
    cycles: calls,
  }
}

/** Time from a peerEvents notification at the server to the matching line on the service's stdout. */
async function changeLatency(samples: number) {
  const geth = new FakeGeth()
  const beacon = new FakeBeacon()
  await geth.start()
  await beacon.start()
  geth.peers = elPeers(50)
  beacon.peers = clPeers(50)
  const child = startService(['--el-url', geth.wsUrl, '--cl-url', beacon.url, '--interval', '15'], 'pipe')
  let buffered = ''
  const waiters = new Map<string, (t: number) => void>()
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    const t = performance.now()
    buffered += d
    let nl: number
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl)
      buffered = buffered.slice(nl + 1)
      if (!line.startsWith('{"schema_version":1,"event":"peer_')) continue
      const e = JSON.parse(line) as { event: string; peer: { id: string } }
      waiters.get(`${e.event}:${e.peer.id}`)?.(t)
    }
  })
  const deadline = Date.now() + 10_000
  while (geth.subscriberCount === 0 && Date.now() < deadline) await sleep(20)
  if (geth.subscriberCount === 0) throw new Error('service did not subscribe')
  await sleep(300)
  const latencies: number[] = []
  for (let i = 0; i < samples; i++) {
    const id = hex(1_000_000 + i)
    const add = i % 2 === 0
    const key = `${add ? 'peer_connected' : 'peer_disconnected'}:${add ? id : hex(1_000_000 + i - 1)}`
    const seen = new Promise<number>((resolve, reject) => {
      waiters.set(key, resolve)
      setTimeout(() => reject(new Error(`no output for ${key}`)), 2000).unref()
    })
    const t0 = performance.now()
    if (add) geth.addPeer(gethPeer(id))
    else geth.dropPeer(hex(1_000_000 + i - 1))
    latencies.push((await seen) - t0)
    waiters.delete(key)
    await sleep(20)
  }
  await stopService(child)
  await geth.stop()
  await beacon.stop()
  latencies.sort((a, b) => a - b)
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!
  return { median: q(0.5), p95: q(0.95), max: latencies[latencies.length - 1]!, samples }
}

/** [EL peers, CL peers]; the issue asks for 50, 1,000 and 10,000 peers: 10,000 is measured as 10,000 in total
 * (10,000 EL + 0 CL: geth's configured maximum; and 5,000 + 5,000) and as 10,000 on each layer. */
const scenarios: [number, number][] = [
  [0, 0],
  [50, 0],
  [25, 25],
  [50, 50],
  [1000, 0],
  [1000, 1000],
  [10_000, 0],
  [5000, 5000],
  [10_000, 10_000],
]

/** RSS and heapUsed after a full GC of a bare `node` and of node with the service's modules loaded (nothing started). */
function fixedBaseline() {
  const measure = (code: string) => {
    const r = spawnSync(process.execPath, [...nodeFlags, '--expose-gc', '-e', `${code};gc();gc();const u=process.memoryUsage();process.stdout.write(JSON.stringify([u.rss,u.heapUsed]))`], { encoding: 'utf8', cwd: __dirname })
    const [rss, heap] = JSON.parse(r.stdout) as [number, number]
    return { rss: mb(rss), heapUsed: mb(heap) }
  }
  return {
    node: measure('0'),
    modules: measure(`require(${JSON.stringify(join(__dirname, 'app.js'))})`),
  }
}

const fmt = (n: number) => n.toLocaleString('en-US')

/** This process must run with the same node flags as the measured service (CPU/cycle columns): re-execute. */
function sameFlagsAsService(): boolean {
  if (process.env.PEER_MONITOR_BENCH_CHILD === '1') return true
  const r = spawnSync(process.execPath, [...nodeFlags, __filename, ...process.argv.slice(2)], { stdio: 'inherit', env: { ...process.env, PEER_MONITOR_BENCH_CHILD: '1' } })
  process.exitCode = r.status ?? 1
  return false
}

async function run() {
  if (!sameFlagsAsService()) return
  const memoryOnly = process.argv.includes('--memory-only')
  const repeat = Math.max(1, Number(process.argv.find((a) => a.startsWith('--repeat='))?.slice('--repeat='.length) ?? 3))
  const only = process.argv.find((a) => a.startsWith('--rows='))?.slice('--rows='.length).split(',').map((r) => r.split('+').map(Number) as [number, number])
  const selected = only ?? scenarios
  const header = ['EL peers', 'CL peers', 'CPU/cycle JSON (ms)', 'CPU/cycle table (ms)', 'service CPU/cycle (ms)', 'snapshot line (KB)', 'RSS peak (MB)', 'RSS after GC (MB)', 'heapUsed after GC (MB)']
  const rows: string[][] = [header]
  const results: { el: number; cl: number; cpu: number; mem: MemoryResult }[] = []
  for (const [el, cl] of selected) {
    const cpuRuns: ReturnType<typeof cpuPerCycle>[] = []
    const mems: MemoryResult[] = []
    for (let i = 0; i < repeat; i++) {
      if (!memoryOnly) cpuRuns.push(cpuPerCycle(el, cl))
      mems.push(await serviceMemory(el, cl))
    }
    const med = (f: (m: MemoryResult) => number) => median(mems.map(f))
    const mem: MemoryResult = { elPeers: el, clPeers: cl, peakRss: med((m) => m.peakRss), gcRss: med((m) => m.gcRss), gcHeapUsed: med((m) => m.gcHeapUsed), serviceCpu: med((m) => m.serviceCpu), cycles: med((m) => m.cycles) }
    const cpu = memoryOnly ? null : { json: median(cpuRuns.map((c) => c.json.ms)), table: median(cpuRuns.map((c) => c.table.ms)), bytes: cpuRuns[0]!.json.bytes }
    results.push({ el, cl, cpu: cpu?.json ?? NaN, mem })
    rows.push([fmt(el), fmt(cl), cpu?.json.toFixed(2) ?? '-', cpu?.table.toFixed(2) ?? '-', mem.serviceCpu.toFixed(2), cpu ? (cpu.bytes / 1024).toFixed(0) : '-', mem.peakRss.toFixed(1), mem.gcRss.toFixed(1), mem.gcHeapUsed.toFixed(1)])
    if (process.argv.includes('--verbose')) console.error(rows[rows.length - 1]!.join(' | '))
  }
  const base = fixedBaseline()
  const lat = memoryOnly ? null : await changeLatency(40)
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)))
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`
  const out = [
    `eth-peer-monitor benchmark — ${new Date().toISOString().slice(0, 10)}, node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'})`,
    `node flags: ${nodeFlags.join(' ') || '(none)'} ${flagOverride === undefined ? "(the Dockerfile's ENTRYPOINT, as shipped)" : '(--node-flags override, NOT the shipped setting)'}; median of ${repeat} run(s) per row`,
    '',
    line(rows[0]!),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...rows.slice(1).map(line),
    '',
    `fixed baseline after GC: bare node ${base.node.rss.toFixed(1)} MB RSS (heapUsed ${base.node.heapUsed.toFixed(1)} MB); node + the service's modules (viem parts, prom-client, ws) ${base.modules.rss.toFixed(1)} MB RSS (heapUsed ${base.modules.heapUsed.toFixed(1)} MB)`,
    lat
      ? `change-to-output latency (WebSocket peerEvents -> stdout line, ${lat.samples} samples): median ${lat.median.toFixed(1)} ms, p95 ${lat.p95.toFixed(1)} ms, max ${lat.max.toFixed(1)} ms`
      : 'change-to-output latency: not measured (--memory-only)',
    '',
    'targets: 50-peer cycle < 5 ms CPU; RSS < 100 MB at 10,000 peers; change-to-output < 100 ms',
  ]
  console.log(out.join('\n'))
  const find = (el: number, cl: number) => results.find((r) => r.el === el && r.cl === cl)
  const checks: [string, boolean][] = []
  const c50 = find(50, 0)?.cpu
  if (!memoryOnly && c50 !== undefined) checks.push([`50-peer cycle (50 EL) ${c50.toFixed(2)} ms CPU < 5 ms`, c50 < 5])
  for (const [el, cl] of [[10_000, 0], [5000, 5000], [10_000, 10_000]] as const) {
    const m = find(el, cl)?.mem
    if (!m) continue
    const what = `${fmt(el)} EL + ${fmt(cl)} CL peers`
    checks.push([`${what}: RSS after GC ${m.gcRss.toFixed(1)} MB < 100 MB`, m.gcRss < 100])
    checks.push([`${what}: peak RSS ${m.peakRss.toFixed(1)} MB < 100 MB`, m.peakRss < 100])
  }
  if (lat) checks.push([`change-to-output p95 ${lat.p95.toFixed(1)} ms < 100 ms`, lat.p95 < 100])
  // A benchmark reports; it does not fail the build.
  for (const [text, ok] of checks) console.log(`${ok ? 'met   ' : 'MISSED'} ${text}`)
}

run().catch((e) => {
  console.error(e)
  process.exit(1)
})
