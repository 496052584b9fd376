import { parseArgs } from 'node:util'
import { durationForms, durationText, parseDuration } from './duration'

export type LogFormat = 'table' | 'json'
export type LogLevel = 'debug' | 'info' | 'warn' | 'error'

export type Config = {
  elUrl: string
  clUrl: string
  intervalMs: number
  /** Period of the full snapshot on stdout; 0 = never (peer changes are written as they happen either way). */
  snapshotIntervalMs: number
  listenHost: string
  listenPort: number
  /** Output format for stdout events; also selects the stderr log style (table -> text). */
  logFormat: LogFormat
  logLevel: LogLevel
  timeoutMs: number
  maxResponseBytes: number
}

export type ParseResult =
  | { kind: 'ok'; config: Config }
  | { kind: 'help'; text: string }
  | { kind: 'error'; message: string }

/**
 * The standalone listen port. Not the deployed stack's port (its service registry, components/services.ts,
 * publishes the stack's monitor on the host's 127.0.0.1): a monitor started by hand on the same host must not
 * collide with it. The stack (and the image, see Dockerfile) set PEER_MONITOR_LISTEN themselves.
 */
export const defaultListenPort = 9201

/**
 * No URL defaults: the service names of a deployment are the deployer's to pass, and the clients have no
 * common standard port to guess (the beacon API is 5052 on Lighthouse, Teku and Nimbus, 3500 on Prysm, 9596
 * on Lodestar; geth serves the admin API only where it is enabled). Missing URLs are one clear error.
 */
export const defaults = {
  interval: '15s',
  snapshotInterval: '10m',
  // Loopback: /peers lists every peer's IP address. The image listens on all interfaces (Dockerfile).
  listen: `127.0.0.1:${defaultListenPort}`,
  logLevel: 'info',
  timeout: '5s',
  // ~12,000 geth peers (an admin_peers entry is ~700 bytes); fits the image's heap cap (maxResponseBytesFor).
  maxResponseBytes: String(8 * 1024 * 1024),
} as const

export const envNames = {
  'el-url': 'PEER_MONITOR_EL_URL',
  'cl-url': 'PEER_MONITOR_CL_URL',
  interval: 'PEER_MONITOR_INTERVAL',
  'snapshot-interval': 'PEER_MONITOR_SNAPSHOT_INTERVAL',
  listen: 'PEER_MONITOR_LISTEN',
  'log-format': 'PEER_MONITOR_LOG_FORMAT',
  'log-level': 'PEER_MONITOR_LOG_LEVEL',
  timeout: 'PEER_MONITOR_TIMEOUT',
  'max-response-bytes': 'PEER_MONITOR_MAX_RESPONSE_BYTES',
} as const

type OptionName = keyof typeof envNames

/** Allowed ranges of the duration options, in ms. */
const durationRanges = {
  interval: { min: 50, max: 86_400_000, zeroMeansNever: false },
  'snapshot-interval': { min: 50, max: 86_400_000, zeroMeansNever: true },
  timeout: { min: 50, max: 300_000, zeroMeansNever: false },
} as const

type DurationOption = keyof typeof durationRanges

const range = (name: DurationOption) => `${durationText(durationRanges[name].min)}..${durationText(durationRanges[name].max)}`

export const helpText = `Usage: eth-peer-monitor --el-url <url> --cl-url <url> [options]

Lists and exports the execution (Geth admin_peers/peerEvents) and consensus
(beacon API) peers of an Ethereum node. Peer changes go to stdout as they
happen, a full snapshot every --snapshot-interval; logs go to stderr.

Options (each also read from the environment variable shown; flags win):
  --el-url <url>              Geth JSON-RPC with the admin API: ws:// or wss:// (subscriptions)
                              or http(s):// (polling), e.g. ws://127.0.0.1:8546
                              [PEER_MONITOR_EL_URL] (required)
  --cl-url <url>              Beacon node API, http(s)://, e.g. http://127.0.0.1:5052 (Prysm: 3500)
                              [PEER_MONITOR_CL_URL] (required)
  --interval <duration>       Reconcile/poll interval, ${range('interval')}
                              [PEER_MONITOR_INTERVAL] (default: ${defaults.interval})
  --snapshot-interval <duration>
                              Full snapshot of all peers on stdout, ${range('snapshot-interval')}, 0 = never
                              [PEER_MONITOR_SNAPSHOT_INTERVAL] (default: ${defaults.snapshotInterval})
  --listen <host:port>        HTTP server for /metrics, /peers, /healthz; a host alone: port ${defaultListenPort}
                              [PEER_MONITOR_LISTEN] (default: ${defaults.listen})
  --log-format <table|json>   stdout events as a table or JSON lines; stderr logs as text or JSON
                              [PEER_MONITOR_LOG_FORMAT] (default: table on a TTY, else json)
  --log-level <level>         debug, info, warn or error
                              [PEER_MONITOR_LOG_LEVEL] (default: ${defaults.logLevel})
  --timeout <duration>        Per-request timeout, ${range('timeout')}
                              [PEER_MONITOR_TIMEOUT] (default: ${defaults.timeout})
  --max-response-bytes <n>    Reject larger responses, 1024..1073741824 and at most what the
                              JS heap can parse (node --max-old-space-size; 9 MiB in the image)
                              [PEER_MONITOR_MAX_RESPONSE_BYTES] (default: ${defaults.maxResponseBytes})
  -h, --help                  Show this help and exit

Durations: ${durationForms}.
SIGUSR2 writes a snapshot at once. Exit codes: 0 on SIGTERM/SIGINT, 2 on an
invalid or missing option.
`

class ConfigError extends Error {}

const MiB = 1024 * 1024
/**
 * JS heap kept for everything but the response being parsed: the idle service (~6 MB) and the peer state of
 * two layers at maxPeersPerLayer (~0.6 KB a peer: 50,000 peers ~30 MB).
 */
export const heapReserveBytes = 40 * MiB
/**
 * A response parsed whole (over HTTP viem reads it as text, then JSON.parse) holds ~2.4 times its size in the
 * heap at 10,000 peers; 4 leaves room for the garbage of the parse. Over the WebSocket and for the beacon API
 * the lists are parsed entry by entry and need far less.
 */
export const wholeParseFactor = 4

/**
 * The largest --max-response-bytes a heap of `heapLimitBytes` (v8's heap_size_limit) can parse without running
 * out of memory: a larger response must be refused by size, never crash the service.
 */
export function maxResponseBytesFor(heapLimitBytes: number): number {
  return Math.max(0, Math.floor((heapLimitBytes - heapReserveBytes) / wholeParseFactor))
}

/** An option's value and where it came from (for the error message). */
type Source = { name: OptionName; value: string; fromEnv: boolean }

type Env = Record<string, string | undefined>

/** The flag wins over the environment; an empty variable counts as unset. */
function source(name: OptionName, flag: unknown, env: Env, fallback: string): Source
function source(name: OptionName, flag: unknown, env: Env, fallback?: undefined): Source | undefined
function source(name: OptionName, flag: unknown, env: Env, fallback?: string): Source | undefined {
  if (typeof flag === 'string') return { name, value: flag, fromEnv: false }
  const fromEnv = env[envNames[name]]
  if (fromEnv !== undefined && fromEnv !== '') return { name, value: fromEnv, fromEnv: true }
  return fallback === undefined ? undefined : { name, value: fallback, fromEnv: false }
}

const optionLabel = (name: OptionName, fromEnv: boolean) => (fromEnv ? `${envNames[name]} (--${name})` : `--${name}`)

function invalid(s: Source, allowed: string): never {
  throw new ConfigError(`invalid value ${JSON.stringify(s.value)} for ${optionLabel(s.name, s.fromEnv)}: ${allowed}`)
}

function parseDurationOption(s: Source & { name: DurationOption }): number {
  const { min, max, zeroMeansNever } = durationRanges[s.name]
  const ms = parseDuration(s.value)
  if (zeroMeansNever && ms === 0) return 0
  if (ms === null || ms < min || ms > max)
    invalid(s, `expected ${zeroMeansNever ? '0 (never) or ' : ''}a duration from ${durationText(min)} to ${durationText(max)}: ${durationForms}`)
  return ms
}

function parseUrl(s: Source, protocols: string[]): string {
  let url: URL | null = null
  try {
    url = new URL(s.value)
  } catch {
    // reported below
  }
  if (!url || !protocols.includes(url.protocol.replace(/:$/, '')) || url.hostname === '') invalid(s, `expected a URL with scheme ${protocols.join(', ')}`)
  return s.value
}

/**
 * Pure: "host:port", "[v6]:port", ":port" (all interfaces) or a host alone ("0.0.0.0", "[::]", "localhost";
 * port defaultListenPort, so that the image can choose the interface without copying the port). A host of
 * digits only is refused: "9201" is a port given without its colon.
 */
export function parseListen(value: string): { host: string; port: number } | null {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s]*))(?::(\d{1,5}))?$/.exec(value.trim())
  if (!m) return null
  const port = m[3] === undefined ? defaultListenPort : Number(m[3])
  if (port > 65535) return null
  if (m[1] !== undefined) return { host: m[1], port }
  const host = m[2]!
  if (host === '') return m[3] === undefined ? null : { host: '0.0.0.0', port }
  return /^\d+$/.test(host) ? null : { host, port }
}

const listenAllowed = `expected host:port with port 0..65535, :port (all interfaces) or a host alone (port ${defaultListenPort}), e.g. 127.0.0.1:${defaultListenPort} or [::]:${defaultListenPort}`

/** The listen address from --listen (when given), PEER_MONITOR_LISTEN or the default. */
function resolveListen(flag: unknown, env: Env): { host: string; port: number } {
  const s = source('listen', flag, env, defaults.listen)
  return parseListen(s.value) ?? invalid(s, listenAllowed)
}

/**
 * Pure: where the container HEALTHCHECK sends GET /healthz: the service's own listen address, parsed as the
 * service parses it (PEER_MONITOR_LISTEN, else the default; a HEALTHCHECK gets no flags). An unspecified
 * address (all interfaces) is probed on 127.0.0.1, also for "::": node's "::" socket is dual-stack and also
 * takes IPv4, while ::1 does not exist in a container without IPv6.
 */
export function healthcheckTarget(env: Env): { kind: 'ok'; host: string; port: number } | { kind: 'error'; message: string } {
  try {
    const { host, port } = resolveListen(undefined, env)
    return { kind: 'ok', host: host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host, port }
  } catch (e) {
    if (e instanceof ConfigError) return { kind: 'error', message: e.message }
    throw e
  }
}

const requiredUrls = {
  'el-url': "Geth's JSON-RPC URL with the admin API, e.g. ws://127.0.0.1:8546",
  'cl-url': "the beacon node's API URL, e.g. http://127.0.0.1:5052",
} as const

/**
 * Pure: turns argv (without node and script) and the environment into a config.
 * `stdoutIsTTY` decides the default log format; `heapLimitBytes`, the process's JS heap limit
 * (v8.getHeapStatistics().heap_size_limit), bounds --max-response-bytes.
 */
export function parseConfig(argv: string[], env: Env, stdoutIsTTY: boolean, heapLimitBytes: number): ParseResult {
  let values: Record<string, string | boolean | undefined>
  try {
    const options = Object.fromEntries(Object.keys(envNames).map((name) => [name, { type: 'string' as const }]))
    values = parseArgs({ args: argv, strict: true, allowPositionals: false, options: { ...options, help: { type: 'boolean', short: 'h' } } }).values
  } catch (e) {
    const raw = typeof (e as { message?: unknown })?.message === 'string' ? (e as { message: string }).message : String(e)
    const message = raw.split('\n').map((l) => l.trim()).filter((l) => l !== '').join(' ')
    return { kind: 'error', message: `${message} (see --help)` }
  }
  if (values.help) return { kind: 'help', text: helpText }

  try {
    const get = (name: OptionName, fallback: string) => source(name, values[name], env, fallback)
    const listen = resolveListen(values.listen, env)

    let logFormat: LogFormat = stdoutIsTTY ? 'table' : 'json'
    const format = source('log-format', values['log-format'], env)
    if (format) {
      if (format.value !== 'table' && format.value !== 'json') invalid(format, 'expected table or json')
      logFormat = format.value
    }
    const level = get('log-level', defaults.logLevel)
    const levels: LogLevel[] = ['debug', 'info', 'warn', 'error']
    if (!levels.includes(level.value as LogLevel)) invalid(level, `expected one of ${levels.join(', ')}`)

    const maxBytes = get('max-response-bytes', defaults.maxResponseBytes)
    const maxResponseBytes = /^\d+$/.test(maxBytes.value) ? Number(maxBytes.value) : NaN
    if (!(maxResponseBytes >= 1024 && maxResponseBytes <= 1024 ** 3)) invalid(maxBytes, 'expected an integer number of bytes from 1024 to 1073741824')
    const parsable = maxResponseBytesFor(heapLimitBytes)
    if (maxResponseBytes > parsable)
      invalid(
        maxBytes,
        `at most ${parsable} bytes with this process's JS heap limit of ${Math.round(heapLimitBytes / MiB)} MiB ` +
          `(node --max-old-space-size, set in the image's ENTRYPOINT); lower it or give node a larger --max-old-space-size`,
      )

    const duration = (name: DurationOption, fallback: string) => parseDurationOption({ ...get(name, fallback), name })
    const intervalMs = duration('interval', defaults.interval)
    const snapshotIntervalMs = duration('snapshot-interval', defaults.snapshotInterval)
    const timeoutMs = duration('timeout', defaults.timeout)

    // Values given are checked first (a typo is the likelier mistake); then what is missing, all in one line.
    const el = source('el-url', values['el-url'], env)
    const cl = source('cl-url', values['cl-url'], env)
    const elUrl = el && parseUrl(el, ['ws', 'wss', 'http', 'https'])
    const clUrl = cl && parseUrl(cl, ['http', 'https'])
    if (!elUrl || !clUrl) {
      const missing = (['el-url', 'cl-url'] as const).filter((name) => !(name === 'el-url' ? elUrl : clUrl))
      throw new ConfigError(`${missing.map((name) => `missing --${name} (or ${envNames[name]}): ${requiredUrls[name]}`).join('; ')} (see --help)`)
    }

    return {
      kind: 'ok',
      config: { elUrl, clUrl, intervalMs, snapshotIntervalMs, listenHost: listen.host, listenPort: listen.port, logFormat, logLevel: level.value as LogLevel, timeoutMs, maxResponseBytes },
    }
  } catch (e) {
    if (e instanceof ConfigError) return { kind: 'error', message: e.message }
    throw e
  }
}
