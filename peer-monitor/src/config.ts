import { parseArgs } from 'node:util'

export type LogFormat = 'table' | 'json'
export type LogLevel = 'debug' | 'info' | 'warn' | 'error'

export type Config = {
  elUrl: string
  clUrl: string
  intervalMs: number
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

export const defaults = {
  elUrl: 'ws://execution:8546',
  clUrl: 'http://beacon:3500',
  interval: '15',
  listen: '0.0.0.0:9200',
  logLevel: 'info',
  timeout: '5',
  // ~12,000 geth peers (an admin_peers entry is ~700 bytes); fits the image's heap cap (maxResponseBytesFor).
  maxResponseBytes: String(8 * 1024 * 1024),
} as const

type OptionName = 'el-url' | 'cl-url' | 'interval' | 'listen' | 'log-format' | 'log-level' | 'timeout' | 'max-response-bytes'

export const envNames: Record<OptionName, string> = {
  'el-url': 'PEER_MONITOR_EL_URL',
  'cl-url': 'PEER_MONITOR_CL_URL',
  interval: 'PEER_MONITOR_INTERVAL',
  listen: 'PEER_MONITOR_LISTEN',
  'log-format': 'PEER_MONITOR_LOG_FORMAT',
  'log-level': 'PEER_MONITOR_LOG_LEVEL',
  timeout: 'PEER_MONITOR_TIMEOUT',
  'max-response-bytes': 'PEER_MONITOR_MAX_RESPONSE_BYTES',
}

export const helpText = `Usage: eth-peer-monitor [options]

Lists and exports the execution (Geth admin_peers/peerEvents) and consensus
(beacon API) peers of an Ethereum node. Events go to stdout, logs to stderr.

Options (each also read from the environment variable shown; flags win):
  --el-url <url>              Geth JSON-RPC, ws:// or wss:// (subscriptions) or http(s):// (polling)
                              [PEER_MONITOR_EL_URL] (default: ${defaults.elUrl})
  --cl-url <url>              Beacon node API, http(s)://
                              [PEER_MONITOR_CL_URL] (default: ${defaults.clUrl})
  --interval <seconds>        Reconcile/poll interval, 0.05..86400
                              [PEER_MONITOR_INTERVAL] (default: ${defaults.interval})
  --listen <host:port>        HTTP server for /metrics, /peers, /healthz
                              [PEER_MONITOR_LISTEN] (default: ${defaults.listen})
  --log-format <table|json>   stdout events as a table or JSON lines; stderr logs as text or JSON
                              [PEER_MONITOR_LOG_FORMAT] (default: table on a TTY, else json)
  --log-level <level>         debug, info, warn or error
                              [PEER_MONITOR_LOG_LEVEL] (default: ${defaults.logLevel})
  --timeout <seconds>         Per-request timeout, 0.05..300
                              [PEER_MONITOR_TIMEOUT] (default: ${defaults.timeout})
  --max-response-bytes <n>    Reject larger responses, 1024..1073741824 and at most what the
                              JS heap can parse (node --max-old-space-size; 9 MiB in the image)
                              [PEER_MONITOR_MAX_RESPONSE_BYTES] (default: ${defaults.maxResponseBytes})
  -h, --help                  Show this help and exit

Exit codes: 0 on SIGTERM/SIGINT, 2 on an invalid option.
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

function invalid(name: OptionName, fromEnv: boolean, value: string, allowed: string): never {
  const source = fromEnv ? `${envNames[name]} (--${name})` : `--${name}`
  throw new ConfigError(`invalid value ${JSON.stringify(value)} for ${source}: ${allowed}`)
}

function parseSeconds(name: OptionName, fromEnv: boolean, value: string, min: number, max: number): number {
  const n = /^\s*\d+(\.\d+)?\s*$/.test(value) ? Number(value) : NaN
  if (!Number.isFinite(n) || n < min || n > max) invalid(name, fromEnv, value, `expected a number of seconds from ${min} to ${max}`)
  return Math.round(n * 1000)
}

function parseUrl(name: OptionName, fromEnv: boolean, value: string, protocols: string[]): string {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return invalid(name, fromEnv, value, `expected a URL with scheme ${protocols.join(', ')}`)
  }
  if (!protocols.includes(url.protocol.replace(/:$/, '')) || url.hostname === '')
    invalid(name, fromEnv, value, `expected a URL with scheme ${protocols.join(', ')}`)
  return value
}

/** "host:port", "[v6]:port" or ":port" (all interfaces). */
export function parseListen(value: string): { host: string; port: number } | null {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s]*)):(\d{1,5})$/.exec(value.trim())
  if (!m) return null
  const port = Number(m[3])
  if (port > 65535) return null
  const host = m[1] ?? (m[2] === '' ? '0.0.0.0' : m[2]!)
  return { host, port }
}

/**
 * Pure: turns argv (without node and script) and the environment into a config.
 * `stdoutIsTTY` decides the default log format.
 */
/** `heapLimitBytes`: the process's JS heap limit (v8.getHeapStatistics().heap_size_limit), bounds --max-response-bytes. */
export function parseConfig(argv: string[], env: Record<string, string | undefined>, stdoutIsTTY: boolean, heapLimitBytes: number): ParseResult {
  let values: Record<string, string | boolean | undefined>
  try {
    values = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        'el-url': { type: 'string' },
        'cl-url': { type: 'string' },
        interval: { type: 'string' },
        listen: { type: 'string' },
        'log-format': { type: 'string' },
        'log-level': { type: 'string' },
        timeout: { type: 'string' },
        'max-response-bytes': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values
  } catch (e) {
    const raw = typeof (e as { message?: unknown })?.message === 'string' ? (e as { message: string }).message : String(e)
    const message = raw.split('\n').map((l) => l.trim()).filter((l) => l !== '').join(' ')
    return { kind: 'error', message: `${message} (see --help)` }
  }
  if (values.help) return { kind: 'help', text: helpText }

  try {
    const get = (name: OptionName, fallback: string | undefined): { value: string | undefined; fromEnv: boolean } => {
      const flag = values[name]
      if (typeof flag === 'string') return { value: flag, fromEnv: false }
      const fromEnv = env[envNames[name]]
      if (fromEnv !== undefined && fromEnv !== '') return { value: fromEnv, fromEnv: true }
      return { value: fallback, fromEnv: false }
    }

    const el = get('el-url', defaults.elUrl)
    const cl = get('cl-url', defaults.clUrl)
    const interval = get('interval', defaults.interval)
    const listen = get('listen', defaults.listen)
    const format = get('log-format', undefined)
    const level = get('log-level', defaults.logLevel)
    const timeout = get('timeout', defaults.timeout)
    const maxBytes = get('max-response-bytes', defaults.maxResponseBytes)

    const listenParsed = parseListen(listen.value!)
    if (!listenParsed) invalid('listen', listen.fromEnv, listen.value!, 'expected host:port with port 0..65535, e.g. 0.0.0.0:9200 or [::]:9200')

    let logFormat: LogFormat = stdoutIsTTY ? 'table' : 'json'
    if (format.value !== undefined) {
      if (format.value !== 'table' && format.value !== 'json') invalid('log-format', format.fromEnv, format.value, 'expected table or json')
      logFormat = format.value
    }
    const levels: LogLevel[] = ['debug', 'info', 'warn', 'error']
    if (!levels.includes(level.value as LogLevel)) invalid('log-level', level.fromEnv, level.value!, `expected one of ${levels.join(', ')}`)

    const maxResponseBytes = /^\d+$/.test(maxBytes.value!) ? Number(maxBytes.value) : NaN
    if (!(maxResponseBytes >= 1024 && maxResponseBytes <= 1024 ** 3))
      invalid('max-response-bytes', maxBytes.fromEnv, maxBytes.value!, 'expected an integer number of bytes from 1024 to 1073741824')
    const parsable = maxResponseBytesFor(heapLimitBytes)
    if (maxResponseBytes > parsable)
      invalid(
        'max-response-bytes',
        maxBytes.fromEnv,
        maxBytes.value!,
        `at most ${parsable} bytes with this process's JS heap limit of ${Math.round(heapLimitBytes / MiB)} MiB ` +
          `(node --max-old-space-size, set in the image's ENTRYPOINT); lower it or give node a larger --max-old-space-size`,
      )

    return {
      kind: 'ok',
      config: {
        elUrl: parseUrl('el-url', el.fromEnv, el.value!, ['ws', 'wss', 'http', 'https']),
        clUrl: parseUrl('cl-url', cl.fromEnv, cl.value!, ['http', 'https']),
        intervalMs: parseSeconds('interval', interval.fromEnv, interval.value!, 0.05, 86400),
        listenHost: listenParsed!.host,
        listenPort: listenParsed!.port,
        logFormat,
        logLevel: level.value as LogLevel,
        timeoutMs: parseSeconds('timeout', timeout.fromEnv, timeout.value!, 0.05, 300),
        maxResponseBytes,
      },
    }
  } catch (e) {
    if (e instanceof ConfigError) return { kind: 'error', message: e.message }
    throw e
  }
}
