/**
 * `npm run bench`: the real service process (dist/main.js) against loopback fakes, from 0 to 10,000 EL +
 * 10,000 CL peers: its own CPU per poll cycle, the size and CPU of a full snapshot (asked for with SIGUSR2),
 * memory (peak RSS, RSS and heapUsed after a forced GC), and peer-change-to-output latency over a loopback
 * WebSocket subscription. `--no-latency` skips the latency; `--verbose` prints rows as they finish;
 * `--repeat=N` runs every row N times and reports medians (default 3); `--rows=10000+0,5000+5000` measures
 * only those rows. `--log-volume[=SECONDS]` instead runs the service with its default settings for that long
 * (default 1200 s, two snapshot periods; per row, default row 1,000 + 0) and reports what it wrote to stdout and
 * stderr, per day. `--service=PATH` measures another build of main.js (e.g. an older one, for a comparison).
 *
 * The measured service and this process run with the production node flags, read from the Dockerfile's
 * ENTRYPOINT (testing/nodeFlags): the benchmark re-executes itself with them. `--node-flags="..."` replaces them
 * for a comparison (the header then says so; not the shipped setting).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { join } from 'node:path'
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

function procStatusMb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1])
  return kb / 1024
}

const memProbe = join(__dirname, 'testing', 'memProbe.js')

const flagOverride = process.argv.find((a) => a.startsWith('--node-flags='))
/** Node/V8 flags of the measured service: the Dockerfile's ENTRYPOINT flags unless --node-flags= is given. */
const nodeFlags: string[] = flagOverride === undefined ? productionNodeFlags() : flagOverride.slice('--node-flags='.length).split(/\s+/).filter(Boolean)

const serviceOverride = process.argv.find((a) => a.startsWith('--service='))?.slice('--service='.length)

/**
 * The built service (or `--service=PATH`, e.g. an older build for a comparison); `probe` adds --expose-gc and the
 * benchmark-only memory probe (IPC "mem" -> GC + memoryUsage, "cpu" -> cpuUsage). `args` come after the ones
 * every run needs.
 */
function startService(args: string[], probe = false): ChildProcess {
  const node = probe ? [...nodeFlags, '--expose-gc', '-r', memProbe] : nodeFlags
  return spawn(process.execPath, [...node, serviceOverride ?? main, '--listen', '127.0.0.1:0', ...args], {
    stdio: probe ? ['ignore', 'pipe', 'inherit', 'ipc'] : ['ignore', 'pipe', 'pipe'],
  })
}

const snapshotPrefix = '{"schema_version":1,"event":"snapshot"'

type Line = { bytes: number; at: number; /** The text of lines up to 64 KB; a snapshot line is only counted. */ text: string | null }

/**
 * Reads a stream line by line as bytes: counts every byte and hands each finished line to `onLine`, without
 * holding a 10 MB snapshot line in this (heap-capped) process.
 */
function watchLines(stream: NodeJS.ReadableStream, onLine: (line: Line) => void = () => {}) {
  const maxText = 64 * 1024
  const state = { bytes: 0, lines: 0 }
  let current = 0
  let parts: Buffer[] = []
  stream.on('data', (chunk: Buffer) => {
    const at = performance.now()
    state.bytes += chunk.length
    let start = 0
    for (let nl = chunk.indexOf(10); nl >= 0; nl = chunk.indexOf(10, start)) {
      const piece = chunk.subarray(start, nl)
      const bytes = current + piece.length + 1
      const text = bytes <= maxText ? Buffer.concat([...parts, piece]).toString('utf8') : null
      state.lines++
      onLine({ bytes, at, text })
      current = 0
      parts = []
      start = nl + 1
    }
    current += chunk.length - start
    if (current <= maxText) parts.push(chunk.subarray(start))
    else parts = []
  })
  return state
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

export type ServiceResult = {
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
  /** The snapshot line written on SIGUSR2, KB. */
  snapshotKb: number
  /** CPU of writing that snapshot, ms: CPU from the signal to the line's end, less the cycles that ran meanwhile. */
  snapshotCpu: number
  cycles: number
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const mb = (bytes: number) => bytes / 1024 / 1024

/** The loopback fake geth and beacon node, started and holding `el` EL and `cl` CL peers. */
async function fakesWith(el: number, cl: number): Promise<{ geth: FakeGeth; beacon: FakeBeacon }> {
  const geth = new FakeGeth()
  const beacon = new FakeBeacon()
  await geth.start()
  await beacon.start()
  geth.peers = elPeers(el)
  beacon.peers = clPeers(cl)
  return { geth, beacon }
}

/**
 * The real service process (dist/main.js) holding `el` EL + `cl` CL peers from the loopback fakes, for `seconds`,
 * with its default settings but interval 0.5 s (every half second it re-fetches and re-parses both lists; no
 * snapshot, as the default snapshot period is 10 minutes) and log level warn:
 * - CPU per cycle from 2 s to 6 s (after the start-up burst, when all peers are new at once);
 * - then one snapshot asked for with SIGUSR2: its size on stdout and its CPU;
 * - then memory: RSS and heapUsed right after a forced full GC (--expose-gc), 3 samples, median; and the peak
 *   (VmHWM) over the whole run, start-up and snapshot included.
 */
async function serviceRun(el: number, cl: number, seconds = 8): Promise<ServiceResult> {
  const { geth, beacon } = await fakesWith(el, cl)
  const child = startService(['--el-url', geth.wsUrl, '--cl-url', beacon.url, '--interval', '0.5', '--log-level', 'warn'], true)
  let snapshotLine: ((line: Line) => void) | null = null
  watchLines(child.stdout!, (line) => {
    if (line.text === null || line.text.startsWith(snapshotPrefix)) snapshotLine?.(line)
  })
  const cycles = () => geth.calls.get('admin_peers') ?? 0
  const samples: ProbeReply[] = []
  const started = Date.now()
  await sleep(2000)
  const cpu0 = await askCpu(child)
  const calls0 = cycles()
  await sleep((seconds - 4) * 1000)
  const cpu1 = await askCpu(child)
  const calls1 = cycles()
  const serviceCpu = (cpu1 - cpu0) / 1000 / Math.max(1, calls1 - calls0)

  const snapshot = new Promise<Line>((resolve) => (snapshotLine = resolve))
  const cpuS0 = await askCpu(child)
  const callsS0 = cycles()
  child.kill('SIGUSR2')
  const line = await snapshot
  const cpuS1 = await askCpu(child)
  const snapshotCpu = Math.max(0, (cpuS1 - cpuS0) / 1000 - (cycles() - callsS0) * serviceCpu)

  for (let i = 0; i < 3; i++) {
    samples.push(await askMemory(child))
    await sleep(600)
  }
  const peakRss = procStatusMb(child.pid!, 'VmHWM')
  const calls = cycles()
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
    serviceCpu,
    snapshotKb: line.bytes / 1024,
    snapshotCpu,
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
  const child = startService(['--el-url', geth.wsUrl, '--cl-url', beacon.url, '--log-level', 'warn'])
  const waiters = new Map<string, (t: number) => void>()
  watchLines(child.stderr!)
  watchLines(child.stdout!, (line) => {
    if (!line.text?.startsWith('{"schema_version":1,"event":"peer_')) return
    const e = JSON.parse(line.text) as { event: string; peer: { id: string } }
    waiters.get(`${e.event}:${e.peer.id}`)?.(line.at)
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

/**
 * What the service writes holding `el` EL + `cl` CL peers with its default settings (interval 15 s, snapshot every
 * 10 minutes, log level info, JSON lines): the start-up (every peer connects at once) during the first `warmupS`
 * seconds, then `seconds` of steady state, extrapolated to a day. Without churn in the fakes, as in production
 * between peer changes; a peer change adds one line (see the README).
 */
async function logVolume(el: number, cl: number, seconds: number, warmupS = 30) {
  const { geth, beacon } = await fakesWith(el, cl)
  const child = startService(['--el-url', geth.wsUrl, '--cl-url', beacon.url])
  const window = { snapshots: 0, snapshotBytes: 0, lines: 0, counting: false }
  const out = watchLines(child.stdout!, (line) => {
    if (!window.counting) return
    window.lines++
    if (line.text === null || line.text.startsWith(snapshotPrefix)) {
      window.snapshots++
      window.snapshotBytes += line.bytes
    }
  })
  const err = watchLines(child.stderr!)
  await sleep(warmupS * 1000)
  const startup = out.bytes + err.bytes
  const at = { out: out.bytes, err: err.bytes }
  window.counting = true
  await sleep(seconds * 1000)
  const stdout = out.bytes - at.out
  const stderr = err.bytes - at.err
  await stopService(child)
  await geth.stop()
  await beacon.stop()
  return { el, cl, seconds, warmupS, startup, stdout, stderr, ...window, perDay: ((stdout + stderr) / seconds) * 86_400 }
}

const size = (bytes: number) =>
  bytes >= 1e9 ? `${(bytes / 1e9).toFixed(2)} GB` : bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : bytes >= 1e3 ? `${(bytes / 1e3).toFixed(1)} kB` : `${Math.round(bytes)} B`

async function runLogVolume(seconds: number, rows: [number, number][]) {
  console.log(`eth-peer-monitor log volume — ${new Date().toISOString().slice(0, 10)}, node ${process.version}, ${serviceOverride ?? 'dist/main.js'} with its default settings`)
  for (const [el, cl] of rows) {
    const v = await logVolume(el, cl, seconds)
    console.log(
      `${fmt(el)} EL + ${fmt(cl)} CL peers: start-up (first ${v.warmupS} s, once) ${size(v.startup)}; then ${v.seconds} s: stdout ${size(v.stdout)} ` +
        `(${v.lines} lines, ${v.snapshots} snapshot lines of ${size(v.snapshots ? v.snapshotBytes / v.snapshots : 0)} each), stderr ${size(v.stderr)} ` +
        `-> ${size(v.perDay)} a day (${size(v.perDay / 86_400)}/s)`,
    )
  }
}

async function run() {
  if (!sameFlagsAsService()) return
  const only = process.argv.find((a) => a.startsWith('--rows='))?.slice('--rows='.length).split(',').map((r) => r.split('+').map(Number) as [number, number])
  const logVolumeArg = process.argv.find((a) => a === '--log-volume' || a.startsWith('--log-volume='))
  if (logVolumeArg) return runLogVolume(Number(logVolumeArg.split('=')[1] ?? 1200), only ?? [[1000, 0]])
  const noLatency = process.argv.includes('--no-latency')
  const repeat = Math.max(1, Number(process.argv.find((a) => a.startsWith('--repeat='))?.slice('--repeat='.length) ?? 3))
  const selected = only ?? scenarios
  const header = ['EL peers', 'CL peers', 'service CPU/cycle (ms)', 'snapshot line (KB)', 'snapshot CPU (ms)', 'RSS peak (MB)', 'RSS after GC (MB)', 'heapUsed after GC (MB)']
  const rows: string[][] = [header]
  const results: ServiceResult[] = []
  for (const [el, cl] of selected) {
    const mems: ServiceResult[] = []
    for (let i = 0; i < repeat; i++) mems.push(await serviceRun(el, cl))
    const med = (f: (m: ServiceResult) => number) => median(mems.map(f))
    const m: ServiceResult = {
      elPeers: el, clPeers: cl, peakRss: med((m) => m.peakRss), gcRss: med((m) => m.gcRss), gcHeapUsed: med((m) => m.gcHeapUsed),
      serviceCpu: med((m) => m.serviceCpu), snapshotKb: med((m) => m.snapshotKb), snapshotCpu: med((m) => m.snapshotCpu), cycles: med((m) => m.cycles),
    }
    results.push(m)
    rows.push([fmt(el), fmt(cl), m.serviceCpu.toFixed(2), m.snapshotKb.toFixed(0), m.snapshotCpu.toFixed(1), m.peakRss.toFixed(1), m.gcRss.toFixed(1), m.gcHeapUsed.toFixed(1)])
    if (process.argv.includes('--verbose')) console.error(rows[rows.length - 1]!.join(' | '))
  }
  const base = fixedBaseline()
  const lat = noLatency ? null : await changeLatency(40)
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
      : 'change-to-output latency: not measured (--no-latency)',
    '',
    'targets: service CPU per 50-peer cycle < 5 ms; RSS < 100 MB at 10,000 peers; change-to-output < 100 ms',
  ]
  console.log(out.join('\n'))
  const find = (el: number, cl: number) => results.find((r) => r.elPeers === el && r.clPeers === cl)
  const checks: [string, boolean][] = []
  const c50 = find(50, 0)?.serviceCpu
  if (c50 !== undefined) checks.push([`service CPU per 50-peer cycle (50 EL) ${c50.toFixed(2)} ms < 5 ms`, c50 < 5])
  for (const [el, cl] of [[10_000, 0], [5000, 5000], [10_000, 10_000]] as const) {
    const m = find(el, cl)
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
