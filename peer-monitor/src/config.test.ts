import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { healthcheckTarget, helpText, maxResponseBytesFor, parseConfig, parseListen } from './config'

/** v8's heap_size_limit under the image's node flags (--max-semi-space-size=4 --max-old-space-size=64): 64 + 3 x 4 MB. */
const imageHeap = 76 * 1024 * 1024

/** The two required options, so that each test shows only what it is about. */
const urls = { PEER_MONITOR_EL_URL: 'ws://127.0.0.1:8546', PEER_MONITOR_CL_URL: 'http://127.0.0.1:5052' }

const ok = (argv: string[], env: Record<string, string> = {}, tty = false) => {
  const r = parseConfig(argv, { ...urls, ...env }, tty, imageHeap)
  if (r.kind !== 'ok') throw new Error(JSON.stringify(r))
  return r.config
}
const err = (argv: string[], env: Record<string, string> = {}, heap = imageHeap) => {
  const r = parseConfig(argv, { ...urls, ...env }, false, heap)
  if (r.kind !== 'error') throw new Error(`expected an error, got ${JSON.stringify(r)}`)
  return r.message
}

const durationForms = 'seconds (15, 0.5) or a number with unit ms, s, m or h (500ms, 15s, 1m)'

describe('parseConfig', () => {
  it('defaults: no stack service names or ports; listens on loopback, port 9201', () => {
    expect(ok([])).toEqual({
      elUrl: 'ws://127.0.0.1:8546', clUrl: 'http://127.0.0.1:5052', intervalMs: 15000, snapshotIntervalMs: 600_000,
      listenHost: '127.0.0.1', listenPort: 9201, logFormat: 'json', logLevel: 'info', timeoutMs: 5000, maxResponseBytes: 8388608,
    })
  })
  it('the EL and CL URLs are required: one line naming each missing flag and its variable', () => {
    const missing = (argv: string[], env: Record<string, string> = {}) => {
      const r = parseConfig(argv, env, false, imageHeap)
      return r.kind === 'error' ? r.message : JSON.stringify(r)
    }
    expect(missing([])).toBe(
      "missing --el-url (or PEER_MONITOR_EL_URL): Geth's JSON-RPC URL with the admin API, e.g. ws://127.0.0.1:8546; " +
        "missing --cl-url (or PEER_MONITOR_CL_URL): the beacon node's API URL, e.g. http://127.0.0.1:5052 (see --help)")
    expect(missing(['--el-url', 'ws://x:1'])).toBe("missing --cl-url (or PEER_MONITOR_CL_URL): the beacon node's API URL, e.g. http://127.0.0.1:5052 (see --help)")
    expect(missing([], { PEER_MONITOR_CL_URL: 'http://b:1', PEER_MONITOR_EL_URL: '' })).toMatch(/^missing --el-url \(or PEER_MONITOR_EL_URL\): [^;]*\(see --help\)$/)
    // A bad value is reported before a missing one.
    expect(missing(['--interval', 'x'])).toMatch(/^invalid value "x" for --interval: /)
    expect(missing(['--el-url', 'ftp://x'])).toBe('invalid value "ftp://x" for --el-url: expected a URL with scheme ws, wss, http, https')
  })
  it('log format follows the TTY unless overridden', () => {
    expect(ok([], {}, true).logFormat).toBe('table')
    expect(ok(['--log-format', 'json'], {}, true).logFormat).toBe('json')
    expect(ok([], { PEER_MONITOR_LOG_FORMAT: 'table' }, false).logFormat).toBe('table')
  })
  it('reads the environment; flags win', () => {
    const env = {
      PEER_MONITOR_EL_URL: 'http://geth:8545', PEER_MONITOR_CL_URL: 'https://b:1', PEER_MONITOR_INTERVAL: '0.2', PEER_MONITOR_SNAPSHOT_INTERVAL: '1h',
      PEER_MONITOR_LISTEN: '127.0.0.1:0', PEER_MONITOR_LOG_LEVEL: 'debug', PEER_MONITOR_TIMEOUT: '1', PEER_MONITOR_MAX_RESPONSE_BYTES: '2048',
    }
    expect(ok([], env)).toMatchObject({ elUrl: 'http://geth:8545', clUrl: 'https://b:1', intervalMs: 200, snapshotIntervalMs: 3_600_000, listenHost: '127.0.0.1', listenPort: 0, logLevel: 'debug', timeoutMs: 1000, maxResponseBytes: 2048 })
    expect(ok(['--interval=30', '--el-url', 'ws://x:1', '--snapshot-interval', '0'], env)).toMatchObject({ intervalMs: 30000, elUrl: 'ws://x:1', snapshotIntervalMs: 0 })
  })
  it.each([
    ['--interval', '15', 'intervalMs', 15_000],
    ['--interval', '500ms', 'intervalMs', 500],
    ['--interval', '1m', 'intervalMs', 60_000],
    ['--interval', '24h', 'intervalMs', 86_400_000],
    ['--timeout', '2.5s', 'timeoutMs', 2500],
    ['--timeout', '5m', 'timeoutMs', 300_000],
    ['--snapshot-interval', '0', 'snapshotIntervalMs', 0],
    ['--snapshot-interval', '30s', 'snapshotIntervalMs', 30_000],
    ['--snapshot-interval', '600', 'snapshotIntervalMs', 600_000],
  ] as const)('%s %s -> %s %p', (flag, value, field, ms) => {
    expect(ok([flag, value])[field]).toBe(ms)
  })
  it('help is what the README shows', () => {
    expect(readFileSync(join(__dirname, '..', 'README.md'), 'utf8')).toContain(`\`\`\`\n${helpText}\`\`\``)
  })
  it('help', () => {
    const r = parseConfig(['--help'], {}, false, imageHeap)
    expect(r.kind).toBe('help')
    if (r.kind === 'help')
      for (const env of ['EL_URL', 'CL_URL', 'INTERVAL', 'SNAPSHOT_INTERVAL', 'LISTEN', 'LOG_FORMAT', 'LOG_LEVEL', 'TIMEOUT', 'MAX_RESPONSE_BYTES']) expect(r.text).toContain(`[PEER_MONITOR_${env}]`)
  })
  it.each([
    [['--interval', 'abc'], `invalid value "abc" for --interval: expected a duration from 50ms to 24h: ${durationForms}`],
    [['--interval', '0'], `invalid value "0" for --interval: expected a duration from 50ms to 24h: ${durationForms}`],
    [['--interval', '49ms'], `invalid value "49ms" for --interval: expected a duration from 50ms to 24h: ${durationForms}`],
    [['--interval', '25h'], `invalid value "25h" for --interval: expected a duration from 50ms to 24h: ${durationForms}`],
    [['--interval=-1'], `invalid value "-1" for --interval: expected a duration from 50ms to 24h: ${durationForms}`],
    [['--interval', '1d'], `invalid value "1d" for --interval: expected a duration from 50ms to 24h: ${durationForms}`],
    [['--timeout', '6m'], `invalid value "6m" for --timeout: expected a duration from 50ms to 5m: ${durationForms}`],
    [['--snapshot-interval', '10 min'], `invalid value "10 min" for --snapshot-interval: expected 0 (never) or a duration from 50ms to 24h: ${durationForms}`],
    [['--snapshot-interval', '10ms'], `invalid value "10ms" for --snapshot-interval: expected 0 (never) or a duration from 50ms to 24h: ${durationForms}`],
    [['--log-format', 'xml'], 'invalid value "xml" for --log-format: expected table or json'],
    [['--log-level', 'trace'], 'invalid value "trace" for --log-level: expected one of debug, info, warn, error'],
    [['--listen', '9200'], 'invalid value "9200" for --listen: expected host:port with port 0..65535, :port (all interfaces) or a host alone (port 9201), e.g. 127.0.0.1:9201 or [::]:9201'],
    [['--listen', 'h:70000'], 'invalid value "h:70000" for --listen: expected host:port with port 0..65535, :port (all interfaces) or a host alone (port 9201), e.g. 127.0.0.1:9201 or [::]:9201'],
    [['--el-url', 'ftp://x'], 'invalid value "ftp://x" for --el-url: expected a URL with scheme ws, wss, http, https'],
    [['--cl-url', 'ws://x'], 'invalid value "ws://x" for --cl-url: expected a URL with scheme http, https'],
    [['--cl-url', 'nope'], 'invalid value "nope" for --cl-url: expected a URL with scheme http, https'],
    [['--max-response-bytes', '10'], 'invalid value "10" for --max-response-bytes: expected an integer number of bytes from 1024 to 1073741824'],
  ])('%p -> one clear message', (argv, message) => {
    expect(err(argv)).toBe(message)
  })
  it('refuses a --max-response-bytes the JS heap could not parse whole, naming the limit and the fix', () => {
    expect(maxResponseBytesFor(imageHeap)).toBe(9 * 1024 * 1024)
    expect(ok(['--max-response-bytes', String(9 * 1024 * 1024)]).maxResponseBytes).toBe(9 * 1024 * 1024)
    expect(err(['--max-response-bytes', String(9 * 1024 * 1024 + 1)])).toBe(
      'invalid value "9437185" for --max-response-bytes: at most 9437184 bytes with this process\'s JS heap limit of 76 MiB ' +
        "(node --max-old-space-size, set in the image's ENTRYPOINT); lower it or give node a larger --max-old-space-size",
    )
    // A heap of 8 GiB allows the whole range.
    const r = parseConfig(['--max-response-bytes', String(1024 ** 3)], urls, false, 8192 * 1024 * 1024)
    expect(r.kind === 'ok' && r.config.maxResponseBytes).toBe(1024 ** 3)
    expect(maxResponseBytesFor(32 * 1024 * 1024)).toBe(0)
  })
  it('names the environment variable when the bad value came from it', () => {
    expect(err([], { PEER_MONITOR_INTERVAL: 'soon' })).toBe(
      `invalid value "soon" for PEER_MONITOR_INTERVAL (--interval): expected a duration from 50ms to 24h: ${durationForms}`)
    expect(err([], { PEER_MONITOR_SNAPSHOT_INTERVAL: '-1' })).toBe(
      `invalid value "-1" for PEER_MONITOR_SNAPSHOT_INTERVAL (--snapshot-interval): expected 0 (never) or a duration from 50ms to 24h: ${durationForms}`)
    expect(err([], { PEER_MONITOR_TIMEOUT: '1h' })).toMatch(/^invalid value "1h" for PEER_MONITOR_TIMEOUT \(--timeout\): expected a duration from 50ms to 5m: /)
  })
  it('unknown options and positionals', () => {
    expect(err(['--nope'])).toMatch(/Unknown option '--nope'.*see --help/)
    expect(err(['extra'])).toMatch(/positional argument.*see --help/)
    expect(err(['--interval', '-1'])).toMatch(/^Option '--interval' argument is ambiguous\. .*see --help\)$/)
  })
})

describe('parseListen', () => {
  it.each([
    ['0.0.0.0:9200', { host: '0.0.0.0', port: 9200 }],
    ['[::]:9200', { host: '::', port: 9200 }],
    [':9200', { host: '0.0.0.0', port: 9200 }],
    ['localhost:1', { host: 'localhost', port: 1 }],
    ['127.0.0.1:0', { host: '127.0.0.1', port: 0 }],
    // A host alone: the default port (the image sets PEER_MONITOR_LISTEN=0.0.0.0 when built without LISTEN_PORT).
    ['0.0.0.0', { host: '0.0.0.0', port: 9201 }],
    ['[::]', { host: '::', port: 9201 }],
    ['peer-monitor', { host: 'peer-monitor', port: 9201 }],
    ['9200', null],
    ['', null],
    [':', null],
    ['h:70000', null],
    ['h:', null],
    ['a b:1', null],
    ['::1:9200', null],
  ])('%p', (v, out) => expect(parseListen(v)).toEqual(out))
})

describe('healthcheckTarget (the image HEALTHCHECK)', () => {
  it.each([
    [{}, { kind: 'ok', host: '127.0.0.1', port: 9201 }],
    [{ PEER_MONITOR_LISTEN: '' }, { kind: 'ok', host: '127.0.0.1', port: 9201 }],
    [{ PEER_MONITOR_LISTEN: '0.0.0.0' }, { kind: 'ok', host: '127.0.0.1', port: 9201 }],
    [{ PEER_MONITOR_LISTEN: '0.0.0.0:9300' }, { kind: 'ok', host: '127.0.0.1', port: 9300 }],
    [{ PEER_MONITOR_LISTEN: '[::]:9300' }, { kind: 'ok', host: '127.0.0.1', port: 9300 }],
    [{ PEER_MONITOR_LISTEN: ':9300' }, { kind: 'ok', host: '127.0.0.1', port: 9300 }],
    [{ PEER_MONITOR_LISTEN: '10.0.0.5:9300' }, { kind: 'ok', host: '10.0.0.5', port: 9300 }],
    [{ PEER_MONITOR_LISTEN: '[::1]:9300' }, { kind: 'ok', host: '::1', port: 9300 }],
  ])('%p -> %p', (env, target) => expect(healthcheckTarget(env)).toEqual(target))
  it('a bad address is the service\'s own error message', () => {
    expect(healthcheckTarget({ PEER_MONITOR_LISTEN: '9200' })).toEqual({ kind: 'error', message: err([], { PEER_MONITOR_LISTEN: '9200' }) })
  })
})

describe('values of the deploying stack', () => {
  it('are not copied into the service or its image (the stack passes them from its service registry)', () => {
    const root = join(__dirname, '..')
    const sources = readdirSync(__dirname).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')).map((f) => join(__dirname, f))
    for (const file of [...sources, join(root, 'Dockerfile')]) {
      const text = readFileSync(file, 'utf8')
      for (const value of [/\b9200\b/, /execution:8546/, /beacon:3500/]) expect({ file, copies: value.test(text) }).toEqual({ file, copies: false })
    }
  })
})
