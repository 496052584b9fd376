/**
 * The command line, parsed by a pure function: `valtrack [global options] <sentry|consumer|query|api> [options]`
 * (`query` also takes the SQL as its one argument).
 * Global options are accepted before or after the command (the original took them before it; its later
 * versions moved them to the commands). Bad input is one line naming the flag, the value and what is
 * allowed; main exits 2 on it.
 */
import { isIP } from 'node:net'
import { BOOTNODE_FROM_DEADLINE_MS } from './discovery/beaconIdentity.js'
import { parseEnr } from './discovery/enr.js'
import { durationForms, durationText, parseDuration } from './duration.js'
import { type BuiltinNetworkName, builtinNetworkNames } from './networks.js'

export const logLevels = ['debug', 'info', 'warn', 'error'] as const
export type LogLevel = (typeof logLevels)[number]

export type HostPort = { host: string; port: number }

export type GlobalOptions = {
  logLevel: LogLevel
  /** NATS server URLs; none: events go to JSON-lines files in the data directory. */
  natsUrls: string[]
  /** Replicas of the EVENTS stream when the sentry or the consumer creates it (an existing stream keeps its own). */
  streamReplicas: number
  /** User and password file for NATS (the sentry and the consumer read the file at start); undefined: no credentials. */
  natsAuth?: NatsAuthOption | undefined
}

/** `--nats-user` and `--nats-password-file`: given together, only with `--nats`. */
export type NatsAuthOption = { user: string; passwordFile: string }

export type NetworkChoice = { kind: 'builtin'; name: BuiltinNetworkName } | { kind: 'custom'; configPath: string; genesisPath: string }

export type SentryOptions = {
  network: NetworkChoice
  /** Overrides the network's bootnodes; checked to be valid ENRs. */
  bootnodes: string[] | undefined
  /** A beacon node's HTTP API whose own ENR (`/eth/v1/node/identity`) is added to the bootnodes at start. */
  bootnodeFrom: string | undefined
  dialConcurrency: number
  dialTimeoutMs: number
  revisitPeriodMs: number
  metricsAddr: HostPort
  /** Address the libp2p TCP and discv5 UDP sockets bind to. */
  listenIp: string
  /** IPv4 address advertised in the sentry's ENR; undefined: learned from discv5 peers. */
  externalIp: string | undefined
  p2pTcpPort: number
  discv5Port: number
  dataDir: string
  crawlerLocation: string
}

export type ConsumerOptions = {
  name: string
  dataDir: string
  metricsAddr: HostPort
  /** Also serve the read-only API over dataDir here; undefined: off. */
  api: HostPort | undefined
  /** As `valtrack api --api-token-file` (only with `api`). */
  apiTokenFile: string | undefined
}

export const queryFormats = ['json', 'table'] as const
export type QueryFormat = (typeof queryFormats)[number]

export type QueryOptions = { sql: string; dataDir: string; format: QueryFormat }

export type ApiOptions = {
  listen: HostPort
  dataDir: string
  /** File holding the bearer token; undefined: $VALTRACK_API_TOKEN, else no token (main reads them). */
  tokenFile: string | undefined
}

export type CliResult =
  | { kind: 'help'; text: string }
  | { kind: 'error'; message: string }
  | { kind: 'sentry'; global: GlobalOptions; options: SentryOptions }
  | { kind: 'consumer'; global: GlobalOptions; options: ConsumerOptions }
  | { kind: 'query'; global: GlobalOptions; options: QueryOptions }
  | { kind: 'api'; global: GlobalOptions; options: ApiOptions }

type Env = Record<string, string | undefined>

type Flag = {
  name: string
  short?: string
  /** Alternative long names. */
  aliases?: string[]
  value: string
  usage: string
  default?: string
  env?: string
}

/** JetStream's limits on a stream's replicas. */
const STREAM_REPLICAS = { min: 1, max: 5 } as const

const globalFlags: Flag[] = [
  { name: 'log-level', short: 'l', value: 'level', usage: `log level: ${logLevels.join(', ')}`, default: 'info' },
  {
    name: 'nats',
    short: 'n',
    aliases: ['nats-url'],
    value: 'url',
    usage: 'NATS server URL(s), comma-separated (nats://host:4222); without it events go to JSON-lines files in --data-dir',
    env: 'NATS_URL',
  },
  {
    name: 'stream-replicas',
    value: 'n',
    usage: `replicas of the EVENTS stream when the sentry or the consumer creates it, ${STREAM_REPLICAS.min}..${STREAM_REPLICAS.max} (3 on a three-server JetStream cluster; an existing stream keeps its own)`,
    default: '1',
  },
  { name: 'nats-user', value: 'name', usage: 'NATS user name, with --nats-password-file (default: no credentials)' },
  {
    name: 'nats-password-file',
    value: 'file',
    usage: "file holding the NATS user's password (surrounding whitespace removed), with --nats-user; read at start, a missing or empty file is exit 2",
  },
]

const ranges = {
  'dial-timeout': { min: 100, max: 120_000 },
  'revisit-period': { min: 60_000, max: 7 * 86_400_000 },
} as const

const sentryFlags: Flag[] = [
  { name: 'network', value: 'name', usage: `built-in network: ${builtinNetworkNames.join(', ')} (or --config and --genesis)`, default: 'mainnet' },
  { name: 'config', value: 'config.yaml', usage: "a custom network's chain config (mainnet preset), with --genesis" },
  { name: 'genesis', value: 'genesis.ssz', usage: "the custom network's genesis state (SSZ), with --config" },
  { name: 'bootnodes', value: 'enr,...', usage: "ENRs to bootstrap from, comma-separated, instead of the network's" },
  {
    name: 'bootnode-from',
    value: 'url',
    usage: `a beacon node's HTTP API (http://host:3500): its own ENR (/eth/v1/node/identity) is added to the bootnodes, asked at start until it answers (at most ${durationText(BOOTNODE_FROM_DEADLINE_MS)})`,
  },
  { name: 'dial-concurrency', value: 'n', usage: 'dials and handshakes in flight at once, 1..1024', default: '32' },
  { name: 'dial-timeout', value: 'duration', usage: `per dial and handshake step, ${durationText(ranges['dial-timeout'].min)}..${durationText(ranges['dial-timeout'].max)}`, default: '10s' },
  {
    name: 'revisit-period',
    value: 'duration',
    usage: `how often a known node is asked for its neighbours and handshaked again, ${durationText(ranges['revisit-period'].min)}..${durationText(ranges['revisit-period'].max)}`,
    default: '30m',
  },
  { name: 'metrics-addr', value: 'host:port', usage: 'listen address of /metrics and /healthz', default: '127.0.0.1:9110' },
  { name: 'listen-ip', value: 'ip', usage: 'address the libp2p TCP and discv5 UDP sockets bind to', default: '0.0.0.0' },
  { name: 'external-ip', value: 'ipv4', usage: "IPv4 address put in the sentry's ENR, where other nodes can reach it (default: learned from discv5 peers)" },
  { name: 'p2p-tcp-port', value: 'port', usage: 'libp2p TCP listen port, 1..65535', default: '9000' },
  { name: 'discv5-port', value: 'port', usage: 'discv5 UDP listen port, 1..65535', default: '9000' },
  { name: 'data-dir', value: 'dir', usage: 'where the JSON-lines event files go (without --nats)', default: '.' },
  { name: 'crawler-location', value: 'text', usage: 'crawler_location written into every event', default: '' },
]

const consumerFlags: Flag[] = [
  { name: 'name', value: 'name', usage: 'durable consumer name (shared by instances that split the work)', default: 'valtrack-consumer' },
  { name: 'data-dir', value: 'dir', usage: 'where the parquet files go', default: '.' },
  { name: 'metrics-addr', value: 'host:port', usage: 'listen address of /metrics and /healthz', default: '127.0.0.1:9111' },
  { name: 'api', value: 'host:port', usage: 'also serve the read-only API (as valtrack api: /validators, /peers, /stats, /healthz) over --data-dir here (default: off)' },
  { name: 'api-token-file', value: 'file', usage: 'with --api: file holding the bearer token the API requires (else $VALTRACK_API_TOKEN; neither: no token)' },
]

const queryFlags: Flag[] = [
  { name: 'data-dir', value: 'dir', usage: "the consumer's data directory (parquet files)", default: '.' },
  { name: 'format', value: 'format', usage: `output: ${queryFormats.join(' (one JSON array, a row per line), ')} (aligned columns)`, default: 'json' },
]

const apiFlags: Flag[] = [
  { name: 'listen', value: 'host:port', usage: 'listen address of /validators, /peers, /stats and /healthz', default: '127.0.0.1:9120' },
  { name: 'data-dir', value: 'dir', usage: "the consumer's data directory (parquet files)", default: '.' },
  { name: 'api-token-file', value: 'file', usage: 'file holding the bearer token the API requires (else $VALTRACK_API_TOKEN; neither: no token)' },
]

const commands = {
  sentry: { usage: 'run the sentry node', flags: sentryFlags, args: '' },
  consumer: { usage: 'run the consumer', flags: consumerFlags, args: '' },
  query: { usage: 'run one read-only SQL query over the parquet files (DuckDB)', flags: queryFlags, args: ' "<SQL>"' },
  api: { usage: 'serve the read-only HTTP API over the parquet files', flags: apiFlags, args: '' },
} as const
type Command = keyof typeof commands

function flagLines(flags: Flag[]): string {
  const helpFlag: Flag = { name: 'help', short: 'h', value: '', usage: 'show help' }
  const rows = [...flags, helpFlag].map((f) => {
    const names = [f.name, ...(f.aliases ?? [])].map((n) => `--${n}${f.value ? ` ${f.value}` : ''}`)
    if (f.short) names.push(`-${f.short}${f.value ? ` ${f.value}` : ''}`)
    const extra = `${f.default !== undefined ? ` (default: ${JSON.stringify(f.default)})` : ''}${f.env ? ` [$${f.env}]` : ''}`
    return [names.join(', '), f.usage + extra] as const
  })
  const width = Math.max(...rows.map(([n]) => n.length)) + 2
  return rows.map(([n, u]) => `   ${n.padEnd(width)}${u}`).join('\n')
}

export const helpText = `NAME:
   valtrack - Ethereum consensus-layer validator tracker

USAGE:
   valtrack [global options] command [command options]

COMMANDS:
${Object.entries(commands)
  .map(([name, c]) => `   ${name.padEnd(10)}${c.usage}`)
  .join('\n')}

GLOBAL OPTIONS (before or after the command):
${flagLines(globalFlags)}

Durations: ${durationForms}. Exit code 2 on an invalid option.
`

export function commandHelp(command: Command): string {
  return `NAME:
   valtrack ${command} - ${commands[command].usage}

USAGE:
   valtrack ${command} [command options]${commands[command].args}

OPTIONS:
${flagLines(commands[command].flags)}
`
}

class CliError extends Error {}

const fail = (message: string): never => {
  throw new CliError(message)
}

function invalid(flag: string, value: string, allowed: string): never {
  return fail(`invalid value ${JSON.stringify(value)} for --${flag}: ${allowed}`)
}

/** Splits argv into the command, flag values by canonical name, and whether help was asked for. */
function scan(argv: string[]): { command: Command | undefined; values: Map<string, string>; help: boolean; args: string[] } {
  let command: Command | undefined
  const values = new Map<string, string>()
  const args: string[] = []
  let help = false
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === '--help' || arg === '-h' || (arg === 'help' && command === undefined)) {
      help = true
      continue
    }
    if (!arg.startsWith('-') || (command === 'query' && args.length === 0 && /^--\s/.test(arg))) {
      if (command === 'query' && args.length === 0) {
        args.push(arg)
        continue
      }
      if (command !== undefined) fail(`unexpected argument ${JSON.stringify(arg)} (see --help)`)
      if (!(arg in commands)) fail(`unknown command ${JSON.stringify(arg)}: expected ${Object.keys(commands).slice(0, -1).join(', ')} or ${Object.keys(commands).at(-1)} (see --help)`)
      command = arg as Command
      continue
    }
    const eq = arg.indexOf('=')
    const given = eq === -1 ? arg : arg.slice(0, eq)
    const flags = [...globalFlags, ...(command ? commands[command].flags : [])]
    const flag = flags.find((f) => given === `--${f.name}` || (f.short && given === `-${f.short}`) || f.aliases?.some((a) => given === `--${a}`))
    if (!flag) {
      const elsewhere = Object.entries(commands).find(([, c]) => c.flags.some((f) => given === `--${f.name}`))
      fail(`unknown flag ${given}${elsewhere && !command ? ` (an option of "${elsewhere[0]}": put it after the command)` : ''} (see --help)`)
    }
    let value: string
    if (eq !== -1) value = arg.slice(eq + 1)
    else if (i + 1 < argv.length) value = argv[++i]!
    else return fail(`flag ${given} needs a value: ${flag!.usage}`)
    if (values.has(flag!.name)) fail(`flag --${flag!.name} given twice`)
    values.set(flag!.name, value)
  }
  return { command, values, help, args }
}

function integer(flag: string, value: string, min: number, max: number, allowed = `expected an integer from ${min} to ${max}`): number {
  const n = /^\d+$/.test(value) ? Number(value) : NaN
  return n >= min && n <= max ? n : invalid(flag, value, allowed)
}

function duration(flag: keyof typeof ranges, value: string): number {
  const { min, max } = ranges[flag]
  const ms = parseDuration(value)
  return ms !== null && ms >= min && ms <= max ? ms : invalid(flag, value, `expected a duration from ${durationText(min)} to ${durationText(max)}: ${durationForms}`)
}

function ipAddress(flag: string, value: string, allowed: string, family?: 4): string {
  const v = isIP(value)
  return v !== 0 && (family === undefined || v === family) ? value : invalid(flag, value, allowed)
}

/** Pure: "host:port", "[v6]:port" or ":port" (all interfaces). */
export function parseHostPort(value: string): HostPort | null {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s]*)):(\d{1,5})$/.exec(value.trim())
  if (!m || Number(m[3]) > 65535) return null
  return { host: m[1] ?? (m[2] === '' ? '0.0.0.0' : m[2]!), port: Number(m[3]) }
}

function hostPort(flag: string, value: string): HostPort {
  return parseHostPort(value) ?? invalid(flag, value, 'expected host:port, [v6]:port or :port with port 0..65535')
}

function tokenFileOption(values: Map<string, string>): string | undefined {
  const tokenFile = values.get('api-token-file')
  return tokenFile === '' ? invalid('api-token-file', '', 'expected a file name') : tokenFile
}

function httpUrl(flag: string, value: string): string {
  const allowed = 'expected an http:// or https:// URL, e.g. http://beacon:3500'
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return invalid(flag, value, allowed)
  }
  return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '' ? value : invalid(flag, value, allowed)
}

function natsAuthOption(values: Map<string, string>, natsUrls: string[]): NatsAuthOption | undefined {
  const user = values.get('nats-user')
  const passwordFile = values.get('nats-password-file')
  if (user === undefined && passwordFile === undefined) return undefined
  if (user === undefined || passwordFile === undefined) fail('--nats-user and --nats-password-file go together: the user name and the file holding its password')
  if (!/^[^\s\x00-\x1f]{1,256}$/.test(user!)) invalid('nats-user', user!, 'expected a user name without whitespace')
  if (passwordFile === '') invalid('nats-password-file', '', 'expected a file name')
  if (natsUrls.length === 0) fail('--nats-user and --nats-password-file need --nats <url> (or NATS_URL): the server they log in to')
  return { user: user!, passwordFile: passwordFile! }
}

/** Pure: NATS server URLs (nats://, tls://, ws://, wss://; host:port alone means nats://host:port). */
export function parseNatsUrls(value: string): string[] | null {
  const urls = value.split(',').map((s) => s.trim())
  const out: string[] = []
  for (const u of urls) {
    const withScheme = /^[a-z]+:\/\//.test(u) ? u : `nats://${u}`
    let url: URL
    try {
      url = new URL(withScheme)
    } catch {
      return null
    }
    if (!['nats:', 'tls:', 'ws:', 'wss:'].includes(url.protocol) || url.hostname === '') return null
    out.push(withScheme)
  }
  return out
}

function globalOptions(values: Map<string, string>, env: Env): GlobalOptions {
  const level = values.get('log-level') ?? 'info'
  if (!(logLevels as readonly string[]).includes(level)) invalid('log-level', level, `expected one of ${logLevels.join(', ')}`)
  const natsFlag = values.get('nats')
  const nats = natsFlag ?? (env.NATS_URL || undefined)
  let natsUrls: string[] = []
  if (nats !== undefined) {
    const label = natsFlag === undefined ? 'nats (from $NATS_URL)' : 'nats'
    natsUrls = parseNatsUrls(nats) ?? invalid(label, nats, 'expected NATS server URLs, comma-separated, e.g. nats://127.0.0.1:4222')
  }
  const replicas = values.get('stream-replicas') ?? '1'
  const { min, max } = STREAM_REPLICAS
  const streamReplicas = integer('stream-replicas', replicas, min, max, `expected an integer from ${min} to ${max} (JetStream allows ${min} to ${max} replicas)`)
  return { logLevel: level as LogLevel, natsUrls, streamReplicas, natsAuth: natsAuthOption(values, natsUrls) }
}

function sentryOptions(values: Map<string, string>): SentryOptions {
  const get = (name: string) => values.get(name) ?? sentryFlags.find((f) => f.name === name)!.default!
  const config = values.get('config')
  const genesis = values.get('genesis')
  let network: NetworkChoice
  if (config !== undefined || genesis !== undefined) {
    if (values.has('network')) fail('--network and --config/--genesis exclude each other: a built-in network or a custom one')
    if (config === undefined || genesis === undefined) fail('a custom network needs both --config <config.yaml> and --genesis <genesis.ssz>')
    network = { kind: 'custom', configPath: config!, genesisPath: genesis! }
  } else {
    const name = get('network')
    if (!(builtinNetworkNames as readonly string[]).includes(name)) invalid('network', name, `expected one of ${builtinNetworkNames.join(', ')}, or --config and --genesis for another`)
    network = { kind: 'builtin', name: name as BuiltinNetworkName }
  }
  const bootnodesText = values.get('bootnodes')
  const bootnodes = bootnodesText?.split(',').map((s, i) => {
    const r = parseEnr(s)
    return r.ok ? r.record.enr : invalid('bootnodes', s.length > 40 ? `${s.slice(0, 40)}...` : s, `entry ${i + 1} is not a valid ENR (${r.error})`)
  })
  const bootnodeFrom = values.get('bootnode-from')
  return {
    network,
    bootnodes,
    bootnodeFrom: bootnodeFrom === undefined ? undefined : httpUrl('bootnode-from', bootnodeFrom),
    dialConcurrency: integer('dial-concurrency', get('dial-concurrency'), 1, 1024),
    dialTimeoutMs: duration('dial-timeout', get('dial-timeout')),
    revisitPeriodMs: duration('revisit-period', get('revisit-period')),
    metricsAddr: hostPort('metrics-addr', get('metrics-addr')),
    listenIp: ipAddress('listen-ip', get('listen-ip'), 'expected an IPv4 or IPv6 address, e.g. 0.0.0.0 or ::'),
    externalIp: values.has('external-ip') ? ipAddress('external-ip', values.get('external-ip')!, 'expected an IPv4 address, e.g. 203.0.113.7', 4) : undefined,
    p2pTcpPort: integer('p2p-tcp-port', get('p2p-tcp-port'), 1, 65535),
    discv5Port: integer('discv5-port', get('discv5-port'), 1, 65535),
    dataDir: get('data-dir') || invalid('data-dir', '', 'expected a directory'),
    crawlerLocation: get('crawler-location'),
  }
}

function consumerOptions(values: Map<string, string>): ConsumerOptions {
  const name = values.get('name') ?? 'valtrack-consumer'
  // JetStream durable names: no whitespace, dots, '*' or '>'.
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) invalid('name', name, 'expected 1 to 64 letters, digits, "-" or "_"')
  const metrics = values.get('metrics-addr') ?? '127.0.0.1:9111'
  const api = values.get('api')
  const apiTokenFile = tokenFileOption(values)
  if (apiTokenFile !== undefined && api === undefined) fail('--api-token-file needs --api <host:port>: the token protects the API the consumer serves')
  return {
    name,
    dataDir: values.get('data-dir') || '.',
    metricsAddr: hostPort('metrics-addr', metrics),
    api: api === undefined ? undefined : hostPort('api', api),
    apiTokenFile,
  }
}

function queryOptions(values: Map<string, string>, args: string[]): QueryOptions {
  const sql = args[0]
  if (sql === undefined || sql.trim() === '') fail('query needs the SQL as its argument, e.g. valtrack query "SELECT count(*) FROM metadata_events"')
  const format = values.get('format') ?? 'json'
  if (!(queryFormats as readonly string[]).includes(format)) invalid('format', format, `expected one of ${queryFormats.join(', ')}`)
  return { sql: sql!, dataDir: values.get('data-dir') || '.', format: format as QueryFormat }
}

function apiOptions(values: Map<string, string>): ApiOptions {
  return {
    listen: hostPort('listen', values.get('listen') ?? '127.0.0.1:9120'),
    dataDir: values.get('data-dir') || '.',
    tokenFile: tokenFileOption(values),
  }
}

/** Pure: argv without node and the script, and the environment (NATS_URL), to what main should do. */
export function parseCli(argv: string[], env: Env): CliResult {
  try {
    const { command, values, help, args } = scan(argv)
    if (help || command === undefined) return { kind: 'help', text: command ? commandHelp(command) : helpText }
    const global = globalOptions(values, env)
    switch (command) {
      case 'sentry':
        return { kind: 'sentry', global, options: sentryOptions(values) }
      case 'consumer':
        return { kind: 'consumer', global, options: consumerOptions(values) }
      case 'query':
        return { kind: 'query', global, options: queryOptions(values, args) }
      case 'api':
        return { kind: 'api', global, options: apiOptions(values) }
    }
  } catch (e) {
    if (e instanceof CliError) return { kind: 'error', message: e.message }
    throw e
  }
}
