import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { helpText, maxResponseBytesFor, parseConfig, parseListen } from './config'

/** v8's heap_size_limit under the image's node flags (--max-semi-space-size=4 --max-old-space-size=64): 64 + 3 x 4 MB. */
const imageHeap = 76 * 1024 * 1024

const ok = (argv: string[], env: Record<string, string> = {}, tty = false) => {
  const r = parseConfig(argv, env, tty, imageHeap)
  if (r.kind !== 'ok') throw new Error(JSON.stringify(r))
  return r.config
}
const err = (argv: string[], env: Record<string, string> = {}, heap = imageHeap) => {
  const r = parseConfig(argv, env, false, heap)
  if (r.kind !== 'error') throw new Error(`expected an error, got ${JSON.stringify(r)}`)
  return r.message
}

describe('parseConfig', () => {
  it('defaults', () => {
    expect(ok([])).toEqual({
      elUrl: 'ws://execution:8546', clUrl: 'http://beacon:3500', intervalMs: 15000, listenHost: '0.0.0.0', listenPort: 9200,
      logFormat: 'json', logLevel: 'info', timeoutMs: 5000, maxResponseBytes: 8388608,
    })
  })
  it('log format follows the TTY unless overridden', () => {
    expect(ok([], {}, true).logFormat).toBe('table')
    expect(ok(['--log-format', 'json'], {}, true).logFormat).toBe('json')
    expect(ok([], { PEER_MONITOR_LOG_FORMAT: 'table' }, false).logFormat).toBe('table')
  })
  it('reads the environment; flags win', () => {
    const env = {
      PEER_MONITOR_EL_URL: 'http://geth:8545', PEER_MONITOR_CL_URL: 'https://b:1', PEER_MONITOR_INTERVAL: '0.2',
      PEER_MONITOR_LISTEN: '127.0.0.1:0', PEER_MONITOR_LOG_LEVEL: 'debug', PEER_MONITOR_TIMEOUT: '1', PEER_MONITOR_MAX_RESPONSE_BYTES: '2048',
    }
    expect(ok([], env)).toMatchObject({ elUrl: 'http://geth:8545', clUrl: 'https://b:1', intervalMs: 200, listenHost: '127.0.0.1', listenPort: 0, logLevel: 'debug', timeoutMs: 1000, maxResponseBytes: 2048 })
    expect(ok(['--interval=30', '--el-url', 'ws://x:1'], env)).toMatchObject({ intervalMs: 30000, elUrl: 'ws://x:1' })
  })
  it('help is what the README shows', () => {
    expect(readFileSync(join(__dirname, '..', 'README.md'), 'utf8')).toContain(`\`\`\`\n${helpText}\`\`\``)
  })
  it('help', () => {
    const r = parseConfig(['--help'], {}, false, imageHeap)
    expect(r.kind).toBe('help')
    if (r.kind === 'help') for (const env of ['PEER_MONITOR_EL_URL', 'PEER_MONITOR_CL_URL', 'PEER_MONITOR_INTERVAL', 'PEER_MONITOR_LISTEN', 'PEER_MONITOR_LOG_FORMAT', 'PEER_MONITOR_LOG_LEVEL']) expect(r.text).toContain(env)
  })
  it.each([
    [['--interval', 'abc'], 'invalid value "abc" for --interval: expected a number of seconds from 0.05 to 86400'],
    [['--interval', '0'], 'invalid value "0" for --interval: expected a number of seconds from 0.05 to 86400'],
    [['--interval=-1'], 'invalid value "-1" for --interval: expected a number of seconds from 0.05 to 86400'],
    [['--log-format', 'xml'], 'invalid value "xml" for --log-format: expected table or json'],
    [['--log-level', 'trace'], 'invalid value "trace" for --log-level: expected one of debug, info, warn, error'],
    [['--listen', '9200'], 'invalid value "9200" for --listen: expected host:port with port 0..65535, e.g. 0.0.0.0:9200 or [::]:9200'],
    [['--listen', 'h:70000'], 'invalid value "h:70000" for --listen: expected host:port with port 0..65535, e.g. 0.0.0.0:9200 or [::]:9200'],
    [['--el-url', 'ftp://x'], 'invalid value "ftp://x" for --el-url: expected a URL with scheme ws, wss, http, https'],
    [['--cl-url', 'ws://x'], 'invalid value "ws://x" for --cl-url: expected a URL with scheme http, https'],
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
    const r = parseConfig(['--max-response-bytes', String(1024 ** 3)], {}, false, 8192 * 1024 * 1024)
    expect(r.kind === 'ok' && r.config.maxResponseBytes).toBe(1024 ** 3)
    expect(maxResponseBytesFor(32 * 1024 * 1024)).toBe(0)
  })
  it('names the environment variable when the bad value came from it', () => {
    expect(err([], { PEER_MONITOR_INTERVAL: 'soon' })).toBe(
      'invalid value "soon" for PEER_MONITOR_INTERVAL (--interval): expected a number of seconds from 0.05 to 86400')
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
    ['x', null],
  ])('%s', (v, out) => expect(parseListen(v)).toEqual(out))
})
