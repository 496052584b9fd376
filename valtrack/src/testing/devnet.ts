/**
 * Real Prysm beacon nodes on 127.0.0.1 for the devnet tests (`*.devnet.test.ts`, `jest.devnet.config.js`).
 *
 * A devnet is a directory with a config.yaml (mainnet preset, every fork through Fulu at epoch 0, one
 * BLOB_SCHEDULE entry at epoch 0) and a genesis state from `prysmctl testnet generate-genesis --fork=fulu`.
 * Its nodes are `beacon-chain` processes with no execution client (the engine endpoint refuses; Prysm logs
 * that and serves p2p and its HTTP API anyway) and no validators running, so the chain stays at genesis:
 * enough for discv5, Status, Ping, MetaData and gossipsub subscriptions. ~250 MB RSS and half a core each.
 *
 * The binaries come from test/e2e/images/build-images.sh (also with --tools-only), which writes their paths to
 * $ETH_E2E_CACHE/tools.env; the environment variables PRYSM_BIN_DIR and NATS_SERVER override it. A missing
 * binary is an error, never a skipped test.
 *
 * Mainnet-configured software must not reach the internet: every devnet test calls `assertIsolatedNetns()`
 * first, and scripts/test.sh runs the suite inside a fresh network namespace with only loopback.
 */
import { waitFor as waitForCheck } from './waitFor.js'
import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import dgram from 'node:dgram'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'

// ------------------------------------------------------------------------------------------------- isolation

/**
 * Throws unless the only network interface is `lo` (and it is up): inside such a namespace no packet can leave
 * the machine, whatever the software under test is configured to dial.
 */
export function assertIsolatedNetns(): void {
  let names: string[]
  try {
    names = fs.readdirSync('/sys/class/net')
  } catch (e) {
    throw new Error(`devnet tests: cannot list /sys/class/net (${(e as Error).message}); they run only on Linux, in a network namespace with only loopback`)
  }
  const others = names.filter((n) => n !== 'lo')
  if (others.length > 0 || !names.includes('lo')) {
    throw new Error(
      `devnet tests must run in a network namespace with only loopback, so that nothing can leave the machine; ` +
        `this one has ${names.length ? names.join(', ') : 'no interface'}. Run them as scripts/test.sh does: ` +
        `ip netns add X && ip netns exec X ip link set lo up && ip netns exec X npx jest -c jest.devnet.config.js`,
    )
  }
  const flags = Number.parseInt(fs.readFileSync('/sys/class/net/lo/flags', 'utf8').trim(), 16)
  if (!(flags & 1)) throw new Error('devnet tests: loopback is down in this network namespace (ip link set lo up)')
}

// ------------------------------------------------------------------------------------------------- binaries

export type DevnetTools = {
  /** Prysm's beacon node. */
  beaconChain: string
  /** Prysm's prysmctl (genesis generation). */
  prysmctl: string
  /** nats-server, for the sentry's NATS tests. */
  natsServer: string
}

const cacheDir = () => process.env.ETH_E2E_CACHE || '/var/cache/eth-node-e2e'
const BUILD_HINT = 'build them with test/e2e/images/build-images.sh --tools-only (as root; scripts/test.sh runs it)'

/** The KEY=value lines of $ETH_E2E_CACHE/tools.env, or {} without the file. */
function toolsEnv(): Record<string, string> {
  const file = path.join(cacheDir(), 'tools.env')
  if (!fs.existsSync(file)) return {}
  const out: Record<string, string> = {}
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim())
    if (m) out[m[1]] = m[2]
  }
  return out
}

function executable(file: string, what: string, source: string): string {
  try {
    fs.accessSync(file, fs.constants.X_OK)
  } catch {
    throw new Error(`devnet tests: ${what} not found or not executable at ${file} (from ${source}); ${BUILD_HINT}`)
  }
  return file
}

/** The binaries' paths; throws naming the missing one and how to build it. */
export function devnetTools(): DevnetTools {
  const env = toolsEnv()
  const envFile = path.join(cacheDir(), 'tools.env')
  const binDirSource = process.env.PRYSM_BIN_DIR ? 'PRYSM_BIN_DIR' : env.PRYSM_BIN_DIR ? envFile : undefined
  const binDir = process.env.PRYSM_BIN_DIR || env.PRYSM_BIN_DIR
  if (!binDir || !binDirSource) throw new Error(`devnet tests: no Prysm binaries: neither PRYSM_BIN_DIR nor ${envFile} names them; ${BUILD_HINT}`)
  const natsSource = process.env.NATS_SERVER ? 'NATS_SERVER' : env.NATS_SERVER ? envFile : undefined
  const nats = process.env.NATS_SERVER || env.NATS_SERVER
  if (!nats || !natsSource) throw new Error(`devnet tests: no nats-server: neither NATS_SERVER nor ${envFile} names it; ${BUILD_HINT}`)
  return {
    beaconChain: executable(path.join(binDir, 'beacon-chain'), 'beacon-chain', binDirSource),
    prysmctl: executable(path.join(binDir, 'prysmctl'), 'prysmctl', binDirSource),
    natsServer: executable(nats, 'nats-server', natsSource),
  }
}

// ------------------------------------------------------------------------------------------------- devnets

export type Devnet = {
  name: string
  /** The devnet's directory: config.yaml, genesis.ssz, jwt.hex, prysmctl.log and one directory per node. */
  dir: string
  configPath: string
  genesisPath: string
  /** The config.yaml text (what `valtrack sentry --config` reads). */
  configYaml: string
  /** Unix seconds. */
  genesisTime: number
  numValidators: number
  /** The engine API secret every node of the devnet is given (the endpoint refuses anyway). */
  jwtPath: string
}

export type DevnetOptions = {
  /** Directory name and CONFIG_NAME suffix; default `devnet-N`. */
  name?: string
  /**
   * Genesis validators (prysmctl's deterministic interop keys). The validator set fixes the genesis validators
   * root and so the fork digest: two devnets with different counts never accept each other's peers.
   */
  numValidators?: number
  /** Unix seconds; default now. */
  genesisTime?: number
  /** Where the devnet's directory is made; default a fresh directory under the OS temp dir. */
  baseDir?: string
}

/** One fork version per fork, distinct from every public network's (Prysm refuses colliding schedules). */
const FORK_VERSIONS = ['GENESIS', 'ALTAIR', 'BELLATRIX', 'CAPELLA', 'DENEB', 'ELECTRA', 'FULU'] as const
export const DEVNET_MAX_BLOBS_PER_BLOCK = 9

/**
 * Pure: the chain config of a devnet, mainnet preset, every fork at epoch 0. Only keys Prysm v7.1.2 knows
 * (it parses the file with yaml.UnmarshalStrict, so an unknown key such as GLOAS_FORK_EPOCH is fatal).
 */
export function devnetConfigYaml(name: string, numValidators: number): string {
  const lines = [
    `PRESET_BASE: 'mainnet'`,
    `CONFIG_NAME: '${name}'`,
    `MIN_GENESIS_ACTIVE_VALIDATOR_COUNT: ${numValidators}`,
    `MIN_GENESIS_TIME: 0`,
    `GENESIS_DELAY: 0`,
  ]
  FORK_VERSIONS.forEach((fork, i) => {
    lines.push(`${fork}_FORK_VERSION: 0x${i + 1}0000038`)
    if (fork !== 'GENESIS') lines.push(`${fork}_FORK_EPOCH: 0`)
  })
  lines.push(
    // Merged at genesis (the genesis state carries an execution payload header from prysmctl).
    `TERMINAL_TOTAL_DIFFICULTY: 0`,
    `SECONDS_PER_SLOT: 12`,
    `DEPOSIT_CHAIN_ID: 1337`,
    `DEPOSIT_NETWORK_ID: 1337`,
    `DEPOSIT_CONTRACT_ADDRESS: 0x4242424242424242424242424242424242424242`,
    // Since Fulu the blob parameters in force are mixed into the fork digest.
    `BLOB_SCHEDULE:`,
    `  - EPOCH: 0`,
    `    MAX_BLOBS_PER_BLOCK: ${DEVNET_MAX_BLOBS_PER_BLOCK}`,
  )
  return lines.join('\n') + '\n'
}

let devnetCount = 0
let tmpRoot: string | undefined

/** Writes a devnet's config and generates its genesis state with prysmctl (about a second). */
export async function startDevnet(opts: DevnetOptions = {}): Promise<Devnet> {
  const tools = devnetTools()
  const name = opts.name ?? `devnet-${++devnetCount}`
  const numValidators = opts.numValidators ?? 64
  const genesisTime = opts.genesisTime ?? Math.floor(Date.now() / 1000)
  const base = opts.baseDir ?? (tmpRoot ??= fs.mkdtempSync(path.join(os.tmpdir(), 'valtrack-devnet-')))
  const dir = path.join(base, name)
  fs.rmSync(dir, { recursive: true, force: true })
  fs.mkdirSync(dir, { recursive: true })
  const configYaml = devnetConfigYaml(`valtrack-${name}`, numValidators)
  const configPath = path.join(dir, 'config.yaml')
  const genesisPath = path.join(dir, 'genesis.ssz')
  const jwtPath = path.join(dir, 'jwt.hex')
  fs.writeFileSync(configPath, configYaml)
  fs.writeFileSync(jwtPath, randomBytes(32).toString('hex'))
  const args = [
    'testnet',
    'generate-genesis',
    '--fork=fulu',
    `--num-validators=${numValidators}`,
    `--genesis-time=${genesisTime}`,
    `--chain-config-file=${configPath}`,
    `--output-ssz=${genesisPath}`,
  ]
  const logPath = path.join(dir, 'prysmctl.log')
  const result = await run(tools.prysmctl, args, logPath, 60_000)
  if (result !== 0 || !fs.existsSync(genesisPath)) {
    throw new Error(`prysmctl ${args.join(' ')} failed (${result}); its log ${logPath}:\n${tail(logPath)}`)
  }
  return { name, dir, configPath, genesisPath, configYaml, genesisTime, numValidators, jwtPath }
}

function run(file: string, args: string[], logPath: string, timeoutMs: number): Promise<number | string> {
  return new Promise((resolve) => {
    const fd = fs.openSync(logPath, 'a')
    const child = spawn(file, args, { stdio: ['ignore', fd, fd] })
    fs.closeSync(fd)
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('error', (e) => {
      clearTimeout(timer)
      resolve(e.message)
    })
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      resolve(code ?? `killed by ${signal}`)
    })
  })
}

function tail(file: string, lines = 30): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n')
  } catch {
    return '(no log)'
  }
}

// ------------------------------------------------------------------------------------------------- nodes

export type NodeOptions = {
  /** Unique among running nodes: the node's directory is `<devnet dir>/<name>`. */
  name: string
  genesis: Devnet
  /** ENRs to bootstrap from; none (`--bootstrap-node=` empty) for a devnet's first node. */
  bootnodes?: readonly string[]
  /** `--subscribe-all-subnets`: all 64 attestation subnets, advertised in attnets (0xffffffffffffffff). */
  subscribeAllSubnets?: boolean
  /** `--disable-quic`: TCP only. */
  disableQuic?: boolean
  /** More beacon-chain flags, appended last. */
  extraFlags?: readonly string[]
  /** How long to wait for the HTTP API to answer; default 60 s. */
  readyTimeoutMs?: number
}

export type NodePorts = { tcp: number; udp: number; quic: number; http: number; rpc: number; monitoring: number }

export type BeaconNode = {
  readonly name: string
  readonly devnet: Devnet
  readonly options: NodeOptions
  /** --datadir (kept across restarts). */
  readonly dir: string
  /** stdout and stderr of every run of the node, appended. */
  readonly logPath: string
  /** The secp256k1 key file (--p2p-priv-key): the peer id survives restarts. */
  readonly keyPath: string
  readonly ports: NodePorts
  /** http://127.0.0.1:<http port>: the beacon API. */
  readonly apiUrl: string
  /** The argv after the binary. */
  readonly args: readonly string[]
  /** The process id of the current run (undefined once stopped). */
  pid: number | undefined
}

export type NodeIdentity = {
  peer_id: string
  enr: string
  p2p_addresses: string[]
  discovery_addresses: string[]
  metadata: { seq_number: string; attnets: string; syncnets: string; custody_group_count?: string }
}

export type PeerInfo = { peer_id: string; enr: string; last_seen_p2p_address: string; state: string; direction: string }

type Running = { node: BeaconNode; child: ChildProcess; exited: Promise<void> }
const running = new Map<string, Running>()
const allPorts = new Set<number>()
let nextPort = 20000 + ((Number(process.env.JEST_WORKER_ID) || 1) - 1) * 1000

/** A port free for both TCP and UDP on 127.0.0.1, never handed out twice in this process. */
async function freePort(): Promise<number> {
  for (let tries = 0; tries < 1000; tries++) {
    const port = nextPort++
    if (allPorts.has(port)) continue
    if ((await tcpFree(port)) && (await udpFree(port))) {
      allPorts.add(port)
      return port
    }
  }
  throw new Error('devnet: no free port found')
}

function tcpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer()
    s.once('error', () => resolve(false))
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)))
  })
}

function udpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4')
    s.once('error', () => {
      s.close()
      resolve(false)
    })
    s.bind(port, '127.0.0.1', () => s.close(() => resolve(true)))
  })
}

/** A secp256k1 secret key as Prysm's --p2p-priv-key reads it: 64 hex digits, no newline. */
function newP2pKey(): string {
  const n = BigInt('0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141')
  for (;;) {
    const k = randomBytes(32)
    const v = BigInt('0x' + k.toString('hex'))
    if (v > 0n && v < n) return k.toString('hex')
  }
}

/**
 * Starts a beacon node of `genesis` on 127.0.0.1 and waits until its HTTP API answers (a few seconds). The
 * ports, the data directory and the p2p key are the node's own and stay the same across `restart`.
 */
export async function startNode(opts: NodeOptions): Promise<BeaconNode> {
  if (running.has(opts.name)) throw new Error(`devnet: a node named ${opts.name} is already running`)
  const tools = devnetTools()
  const devnet = opts.genesis
  const dir = path.join(devnet.dir, opts.name)
  fs.mkdirSync(dir, { recursive: true })
  const keyPath = path.join(dir, 'p2p-key.hex')
  if (!fs.existsSync(keyPath)) fs.writeFileSync(keyPath, newP2pKey(), { mode: 0o600 })
  const ports: NodePorts = {
    tcp: await freePort(),
    udp: await freePort(),
    quic: await freePort(),
    http: await freePort(),
    rpc: await freePort(),
    monitoring: await freePort(),
  }
  const args = [
    `--datadir=${path.join(dir, 'data')}`,
    `--chain-config-file=${devnet.configPath}`,
    `--genesis-state=${devnet.genesisPath}`,
    '--accept-terms-of-use',
    // Loopback only: the address in the ENR and every listener.
    '--p2p-host-ip=127.0.0.1',
    '--p2p-local-ip=127.0.0.1',
    `--p2p-tcp-port=${ports.tcp}`,
    `--p2p-udp-port=${ports.udp}`,
    ...(opts.disableQuic ? ['--disable-quic'] : [`--p2p-quic-port=${ports.quic}`]),
    `--p2p-priv-key=${keyPath}`,
    // With no peers to sync from, a node at genesis is synced: regular sync (and gossip) at once.
    '--min-sync-peers=0',
    // No execution client: port 1 refuses at once; Prysm logs it and carries on.
    '--execution-endpoint=http://127.0.0.1:1',
    `--jwt-secret=${devnet.jwtPath}`,
    '--http-host=127.0.0.1',
    `--http-port=${ports.http}`,
    '--rpc-host=127.0.0.1',
    `--rpc-port=${ports.rpc}`,
    '--monitoring-host=127.0.0.1',
    `--monitoring-port=${ports.monitoring}`,
    // Empty for the first node: no bootnodes at all. Without the flag Prysm falls back to its default, MAINNET's
    // bootnodes (the flag's default, whatever the chain config), which the isolated namespace makes unreachable.
    ...(opts.bootnodes?.length ? opts.bootnodes.map((e) => `--bootstrap-node=${e}`) : ['--bootstrap-node=']),
    ...(opts.subscribeAllSubnets ? ['--subscribe-all-subnets'] : []),
    ...(opts.extraFlags ?? []),
  ]
  const node: BeaconNode = {
    name: opts.name,
    devnet,
    options: opts,
    dir,
    logPath: path.join(dir, 'beacon.log'),
    keyPath,
    ports,
    apiUrl: `http://127.0.0.1:${ports.http}`,
    args,
    pid: undefined,
  }
  await launch(node, tools.beaconChain)
  return node
}

async function launch(node: BeaconNode, binary: string): Promise<void> {
  fs.appendFileSync(node.logPath, `\n===== ${new Date().toISOString()} ${binary} ${node.args.join(' ')}\n`)
  const fd = fs.openSync(node.logPath, 'a')
  const child = spawn(binary, node.args, { stdio: ['ignore', fd, fd] })
  fs.closeSync(fd)
  let exit: string | undefined
  const exited = new Promise<void>((resolve) => {
    child.on('error', (e) => {
      exit = e.message
      resolve()
    })
    child.on('exit', (code, signal) => {
      exit = signal ? `killed by ${signal}` : `exit code ${code}`
      resolve()
    })
  })
  void exited.then(() => {
    if (running.get(node.name)?.child === child) running.delete(node.name)
    node.pid = undefined
  })
  node.pid = child.pid
  running.set(node.name, { node, child, exited })
  const deadline = Date.now() + (node.options.readyTimeoutMs ?? 60_000)
  for (;;) {
    if (exit !== undefined) throw new Error(`devnet: node ${node.name} exited during start-up (${exit}); log ${node.logPath}:\n${tail(node.logPath)}`)
    try {
      await identity(node)
      return
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop(node)
      throw new Error(`devnet: node ${node.name}'s API ${node.apiUrl} did not answer within ${node.options.readyTimeoutMs ?? 60_000} ms; log ${node.logPath}:\n${tail(node.logPath)}`)
    }
    await sleep(250)
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function api<T>(node: BeaconNode, route: string): Promise<T> {
  const res = await fetch(node.apiUrl + route, { signal: AbortSignal.timeout(5000) })
  if (!res.ok) throw new Error(`devnet: ${node.name} GET ${route}: HTTP ${res.status} ${await res.text()}`)
  return ((await res.json()) as { data: T }).data
}

/** GET /eth/v1/node/identity. */
export function identity(node: BeaconNode): Promise<NodeIdentity> {
  return api<NodeIdentity>(node, '/eth/v1/node/identity')
}

/** The node's connected peers (GET /eth/v1/node/peers?state=connected). */
export function peers(node: BeaconNode): Promise<PeerInfo[]> {
  return api<PeerInfo[]>(node, '/eth/v1/node/peers?state=connected')
}

/** How many peers the node has connected (GET /eth/v1/node/peer_count). */
export async function peerCount(node: BeaconNode): Promise<number> {
  const counts = await api<{ connected: string }>(node, '/eth/v1/node/peer_count')
  return Number(counts.connected)
}

/** `waitFor` with the devnet's pace: real beacon nodes take seconds. */
export function waitFor<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 60_000, everyMs = 500): Promise<T> {
  return waitForCheck(`devnet: ${what}`, check, timeoutMs, everyMs)
}

export function waitForPeer(node: BeaconNode, peerId: string, timeoutMs = 60_000): Promise<PeerInfo> {
  return waitFor(`${node.name} to be connected to ${peerId}`, async () => (await peers(node)).find((p) => p.peer_id === peerId), timeoutMs)
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. The node can be restarted. */
export async function stop(node: BeaconNode, graceMs = 15_000): Promise<void> {
  const r = running.get(node.name)
  if (!r || r.node !== node) return
  r.child.kill('SIGTERM')
  const killer = setTimeout(() => r.child.kill('SIGKILL'), graceMs)
  await r.exited
  clearTimeout(killer)
}

/** Stops and starts the node again: same data directory, ports, key (so the same peer id) and flags. */
export async function restart(node: BeaconNode): Promise<BeaconNode> {
  await stop(node)
  await launch(node, devnetTools().beaconChain)
  return node
}

/** Stops every node this process started. */
export async function stopAll(): Promise<void> {
  await Promise.all([...running.values()].map((r) => stop(r.node)))
}

/** The nodes running now. */
export function runningNodes(): BeaconNode[] {
  return [...running.values()].map((r) => r.node)
}

/** Whether a process with this id exists (a zombie counts as gone). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return !/^\d+ \(.*\) Z /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return false
  }
}

// A test run that ends without stopAll (a crash, --forceExit) must not leave beacon nodes behind.
process.on('exit', () => {
  for (const r of running.values()) r.child.kill('SIGKILL')
})
