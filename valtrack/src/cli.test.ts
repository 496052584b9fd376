import { bootnodes } from './discovery/bootnodes.js'
import { commandHelp, helpText, parseCli, parseHostPort, parseNatsUrls } from './cli.js'

const noEnv = {}
const ok = (argv: string[], env: Record<string, string> = noEnv) => {
  const r = parseCli(argv, env)
  if (r.kind !== 'sentry' && r.kind !== 'consumer') throw new Error(`expected a command, got ${JSON.stringify(r)}`)
  return r
}
const error = (argv: string[], env: Record<string, string> = noEnv) => {
  const r = parseCli(argv, env)
  if (r.kind !== 'error') throw new Error(`expected an error, got ${r.kind}`)
  return r.message
}

describe('commands and global options', () => {
  test('sentry with every default', () => {
    expect(ok(['sentry'])).toEqual({
      kind: 'sentry',
      global: { logLevel: 'info', natsUrls: [], streamReplicas: 1 },
      options: {
        network: { kind: 'builtin', name: 'mainnet' },
        bootnodes: undefined,
        bootnodeFrom: undefined,
        dialConcurrency: 32,
        dialTimeoutMs: 10_000,
        revisitPeriodMs: 1_800_000,
        metricsAddr: { host: '127.0.0.1', port: 9110 },
        listenIp: '0.0.0.0',
        externalIp: undefined,
        p2pTcpPort: 9000,
        discv5Port: 9000,
        dataDir: '.',
        crawlerLocation: '',
      },
    })
  })

  test('--log-level/-l and --nats/-n before or after the command, --nats-url, = forms', () => {
    for (const argv of [
      ['-l', 'debug', '-n', 'nats://127.0.0.1:4222', 'sentry'],
      ['sentry', '--log-level', 'debug', '--nats', 'nats://127.0.0.1:4222'],
      ['--log-level=debug', 'sentry', '--nats-url=nats://127.0.0.1:4222'],
    ])
      expect(ok(argv).global).toEqual({ logLevel: 'debug', natsUrls: ['nats://127.0.0.1:4222'], streamReplicas: 1 })
  })

  test('NATS_URL from the environment; the flag wins', () => {
    expect(ok(['consumer'], { NATS_URL: 'nats://a:4222' }).global.natsUrls).toEqual(['nats://a:4222'])
    expect(ok(['consumer', '-n', 'nats://b:4222'], { NATS_URL: 'nats://a:4222' }).global.natsUrls).toEqual(['nats://b:4222'])
    expect(ok(['consumer'], { NATS_URL: '' }).global.natsUrls).toEqual([])
  })

  test('--stream-replicas n, 1..5, before or after the command, for the sentry and the consumer', () => {
    expect(ok(['--stream-replicas', '3', 'consumer']).global.streamReplicas).toBe(3)
    expect(ok(['sentry', '--stream-replicas=5']).global.streamReplicas).toBe(5)
    expect(ok(['sentry']).global.streamReplicas).toBe(1)
    for (const bad of ['0', '6', 'three', '-1', '2.5', ''])
      expect(error(['consumer', '--stream-replicas', bad])).toBe(`invalid value ${JSON.stringify(bad)} for --stream-replicas: expected an integer from 1 to 5 (JetStream allows 1 to 5 replicas)`)
  })

  test('--nats-user with --nats-password-file, before or after the command, for the sentry and the consumer; none by default', () => {
    const auth = { user: 'valtrack', passwordFile: '/secrets/nats-password' }
    expect(ok(['--nats-user', 'valtrack', '--nats-password-file', '/secrets/nats-password', 'sentry', '-n', 'nats://nats:4222']).global.natsAuth).toEqual(auth)
    expect(ok(['consumer', '--nats=nats://nats:4222', '--nats-user=valtrack', '--nats-password-file=/secrets/nats-password']).global.natsAuth).toEqual(auth)
    expect(ok(['consumer'], { NATS_URL: 'nats://nats:4222' }).global.natsAuth).toBeUndefined()
    expect(ok(['sentry']).global.natsAuth).toBeUndefined()
    const nats = ['--nats', 'nats://nats:4222']
    expect(error(['consumer', ...nats, '--nats-user', 'valtrack'])).toBe('--nats-user and --nats-password-file go together: the user name and the file holding its password')
    expect(error(['consumer', ...nats, '--nats-password-file', '/p'])).toBe('--nats-user and --nats-password-file go together: the user name and the file holding its password')
    expect(error(['sentry', '--nats-user', 'valtrack', '--nats-password-file', '/p'])).toBe('--nats-user and --nats-password-file need --nats <url> (or NATS_URL): the server they log in to')
    expect(error(['sentry', ...nats, '--nats-user', 'val track', '--nats-password-file', '/p'])).toBe('invalid value "val track" for --nats-user: expected a user name without whitespace')
    expect(error(['sentry', ...nats, '--nats-user', 'valtrack', '--nats-password-file='])).toBe('invalid value "" for --nats-password-file: expected a file name')
    expect(helpText).toMatch(/--nats-user name\s+NATS user name, with --nats-password-file/)
    expect(helpText).toMatch(/--nats-password-file file\s+file holding the NATS user's password .*exit 2/)
  })

  test('consumer options', () => {
    expect(ok(['consumer', '--name', 'c-1', '--data-dir', '/data', '--metrics-addr', ':9999']).options).toEqual({ name: 'c-1', dataDir: '/data', metricsAddr: { host: '0.0.0.0', port: 9999 }, api: undefined, apiTokenFile: undefined })
    expect(ok(['consumer']).options).toEqual({ name: 'valtrack-consumer', dataDir: '.', metricsAddr: { host: '127.0.0.1', port: 9111 }, api: undefined, apiTokenFile: undefined })
    expect(error(['consumer', '--metrics-addr', 'x'])).toContain('invalid value "x" for --metrics-addr')
  })

  test('consumer --api host:port and --api-token-file (off by default)', () => {
    expect(ok(['consumer', '--api', '127.0.0.1:9120']).options).toMatchObject({ api: { host: '127.0.0.1', port: 9120 }, apiTokenFile: undefined })
    expect(ok(['consumer', '--api=:8080', '--api-token-file', '/run/secrets/t']).options).toMatchObject({ api: { host: '0.0.0.0', port: 8080 }, apiTokenFile: '/run/secrets/t' })
    expect(error(['consumer', '--api', 'nowhere'])).toBe('invalid value "nowhere" for --api: expected host:port, [v6]:port or :port with port 0..65535')
    expect(error(['consumer', '--api', ':1', '--api-token-file='])).toBe('invalid value "" for --api-token-file: expected a file name')
    expect(error(['consumer', '--api-token-file', '/t'])).toBe('--api-token-file needs --api <host:port>: the token protects the API the consumer serves')
    expect(error(['sentry', '--api', ':1'])).toBe('unknown flag --api (see --help)')
    expect(commandHelp('consumer')).toMatch(/--api host:port\s+also serve the read-only API .*\(default: off\)/)
    expect(commandHelp('consumer')).toMatch(/--api-token-file file\s+with --api: .*\$VALTRACK_API_TOKEN/)
  })
})

describe('sentry options', () => {
  test('durations in every form, integers, addresses', () => {
    const o = ok(['sentry', '--dial-timeout', '500ms', '--revisit-period', '90', '--dial-concurrency', '8', '--metrics-addr', ':9999', '--p2p-tcp-port', '13000', '--discv5-port', '12000'])
      .options as { dialTimeoutMs: number; revisitPeriodMs: number; dialConcurrency: number; metricsAddr: unknown; p2pTcpPort: number; discv5Port: number }
    expect(ok(['sentry', '--listen-ip', '127.0.0.1', '--external-ip', '203.0.113.7']).options).toMatchObject({ listenIp: '127.0.0.1', externalIp: '203.0.113.7' })
    expect(o).toMatchObject({ dialTimeoutMs: 500, revisitPeriodMs: 90_000, dialConcurrency: 8, metricsAddr: { host: '0.0.0.0', port: 9999 }, p2pTcpPort: 13000, discv5Port: 12000 })
    expect(ok(['sentry', '--revisit-period', '1m']).options).toMatchObject({ revisitPeriodMs: 60_000 })
  })

  test('networks: built in, or custom from --config and --genesis', () => {
    expect(ok(['sentry', '--network', 'hoodi']).options).toMatchObject({ network: { kind: 'builtin', name: 'hoodi' } })
    expect(ok(['sentry', '--config', 'c.yaml', '--genesis', 'g.ssz']).options).toMatchObject({ network: { kind: 'custom', configPath: 'c.yaml', genesisPath: 'g.ssz' } })
  })

  test('--bootnode-from: an http(s) URL of a beacon API; off by default', () => {
    expect(ok(['sentry', '--bootnode-from', 'http://beacon:3500']).options).toMatchObject({ bootnodeFrom: 'http://beacon:3500' })
    expect(ok(['sentry', '--bootnode-from=https://10.0.0.1:3500/']).options).toMatchObject({ bootnodeFrom: 'https://10.0.0.1:3500/' })
    expect((ok(['sentry']).options as { bootnodeFrom?: string }).bootnodeFrom).toBeUndefined()
    for (const bad of ['beacon:3500', 'ftp://beacon', 'http://', ''])
      expect(error(['sentry', '--bootnode-from', bad])).toBe(`invalid value ${JSON.stringify(bad)} for --bootnode-from: expected an http:// or https:// URL, e.g. http://beacon:3500`)
    expect(error(['consumer', '--bootnode-from', 'http://beacon:3500'])).toBe('unknown flag --bootnode-from (see --help)')
    expect(commandHelp('sentry')).toMatch(/--bootnode-from url\s+a beacon node's HTTP API .*\/eth\/v1\/node\/identity.*\(at most 5m\)/)
  })

  test('--bootnodes: each entry a valid ENR', () => {
    expect(ok(['sentry', '--bootnodes', `${bootnodes.hoodi[0]},${bootnodes.hoodi[1]}`]).options).toMatchObject({ bootnodes: [bootnodes.hoodi[0], bootnodes.hoodi[1]] })
  })
})

describe('bad input: one line naming the flag, the value and what is allowed', () => {
  test.each([
    [['sentry', '-l', 'loud'], 'invalid value "loud" for --log-level: expected one of debug, info, warn, error'],
    [['sentry', '--network', 'holesky'], 'invalid value "holesky" for --network: expected one of mainnet, sepolia, hoodi, or --config and --genesis for another'],
    [['sentry', '--dial-timeout', '10 s'], 'invalid value "10 s" for --dial-timeout: expected a duration from 100ms to 2m: seconds (15, 0.5) or a number with unit ms, s, m or h (500ms, 15s, 1m)'],
    [['sentry', '--dial-timeout', '5m'], 'invalid value "5m" for --dial-timeout: expected a duration from 100ms to 2m'],
    [['sentry', '--dial-concurrency', '0'], 'invalid value "0" for --dial-concurrency: expected an integer from 1 to 1024'],
    [['sentry', '--p2p-tcp-port', '70000'], 'invalid value "70000" for --p2p-tcp-port: expected an integer from 1 to 65535'],
    [['sentry', '--listen-ip', 'localhost'], 'invalid value "localhost" for --listen-ip: expected an IPv4 or IPv6 address, e.g. 0.0.0.0 or ::'],
    [['sentry', '--external-ip', '::1'], 'invalid value "::1" for --external-ip: expected an IPv4 address, e.g. 203.0.113.7'],
    [['sentry', '--metrics-addr', 'localhost'], 'invalid value "localhost" for --metrics-addr: expected host:port, [v6]:port or :port with port 0..65535'],
    [['sentry', '--nats', 'http://x:4222'], 'invalid value "http://x:4222" for --nats: expected NATS server URLs, comma-separated, e.g. nats://127.0.0.1:4222'],
    [['sentry', '--bootnodes', 'enr:-abc'], 'invalid value "enr:-abc" for --bootnodes: entry 1 is not a valid ENR (invalid ENR: '],
    [['sentry', '--config', 'c.yaml'], 'a custom network needs both --config <config.yaml> and --genesis <genesis.ssz>'],
    [['sentry', '--network', 'mainnet', '--config', 'c', '--genesis', 'g'], '--network and --config/--genesis exclude each other'],
    [['consumer', '--name', 'a.b'], 'invalid value "a.b" for --name: expected 1 to 64 letters, digits, "-" or "_"'],
    [['sentry', '--bogus', '1'], 'unknown flag --bogus (see --help)'],
    [['--dial-timeout', '5s', 'sentry'], 'unknown flag --dial-timeout (an option of "sentry": put it after the command) (see --help)'],
    [['consumer', '--dial-timeout', '5s'], 'unknown flag --dial-timeout (see --help)'],
    [['crawl'], 'unknown command "crawl": expected sentry, consumer, query or api (see --help)'],
    [['sentry', 'extra'], 'unexpected argument "extra" (see --help)'],
    [['sentry', '--network'], 'flag --network needs a value'],
    [['sentry', '-l', 'info', '--log-level', 'debug'], 'flag --log-level given twice'],
  ])('%j', (argv, message) => {
    expect(error(argv)).toContain(message)
  })

  test('a bad NATS_URL names the variable', () => {
    expect(error(['sentry'], { NATS_URL: 'ftp://x' })).toBe('invalid value "ftp://x" for --nats (from $NATS_URL): expected NATS server URLs, comma-separated, e.g. nats://127.0.0.1:4222')
  })
})

describe('help', () => {
  test('valtrack, valtrack --help and valtrack help print the urfave-style overview', () => {
    for (const argv of [[], ['--help'], ['-h'], ['help']]) expect(parseCli(argv, noEnv)).toEqual({ kind: 'help', text: helpText })
    for (const section of ['NAME:\n   valtrack - ', 'USAGE:\n   valtrack [global options] command [command options]', 'COMMANDS:', 'GLOBAL OPTIONS']) expect(helpText).toContain(section)
    expect(helpText).toMatch(/sentry\s+run the sentry node/)
    expect(helpText).toMatch(/--log-level level, -l level\s+log level: debug, info, warn, error \(default: "info"\)/)
    expect(helpText).toMatch(/--nats url, --nats-url url, -n url\s+.*\[\$NATS_URL\]/)
    expect(helpText).toMatch(/--stream-replicas n\s+replicas of the EVENTS stream .*1..5 .*\(default: "1"\)/)
  })

  test('a command help lists its options', () => {
    expect(parseCli(['sentry', '--help'], noEnv)).toEqual({ kind: 'help', text: commandHelp('sentry') })
    expect(commandHelp('sentry')).toMatch(/--dial-timeout duration\s+per dial and handshake step, 100ms..2m \(default: "10s"\)/)
    expect(commandHelp('consumer')).toContain('--name name')
  })
})

describe('value parsers', () => {
  test('host:port', () => {
    expect(parseHostPort('127.0.0.1:9110')).toEqual({ host: '127.0.0.1', port: 9110 })
    expect(parseHostPort('[::1]:80')).toEqual({ host: '::1', port: 80 })
    expect(parseHostPort('h:65536')).toBeNull()
    expect(parseHostPort('h')).toBeNull()
  })

  test('NATS URLs', () => {
    expect(parseNatsUrls('nats://a:1, tls://b:2,c:4222')).toEqual(['nats://a:1', 'tls://b:2', 'nats://c:4222'])
    expect(parseNatsUrls('nats://')).toBeNull()
    expect(parseNatsUrls('')).toBeNull()
  })
})

describe('query and api', () => {
  const cmd = (argv: string[], env: Record<string, string> = noEnv) => {
    const r = parseCli(argv, env)
    if (r.kind !== 'query' && r.kind !== 'api') throw new Error(`expected query or api, got ${JSON.stringify(r)}`)
    return r
  }

  test('query: the SQL argument, --data-dir, --format; global options around it', () => {
    expect(cmd(['query', 'SELECT 1'])).toEqual({ kind: 'query', global: { logLevel: 'info', natsUrls: [], streamReplicas: 1 }, options: { sql: 'SELECT 1', dataDir: '.', format: 'json' } })
    expect(cmd(['-l', 'warn', 'query', '--data-dir', '/data', 'SELECT * FROM metadata_events', '--format=table']).options).toEqual({
      sql: 'SELECT * FROM metadata_events',
      dataDir: '/data',
      format: 'table',
    })
    expect((cmd(['query', '-- note\nSELECT 1']).options as { sql: string }).sql).toBe('-- note\nSELECT 1')
  })

  test('api: --listen, --data-dir, --api-token-file', () => {
    expect(cmd(['api'])).toEqual({ kind: 'api', global: { logLevel: 'info', natsUrls: [], streamReplicas: 1 }, options: { listen: { host: '127.0.0.1', port: 9120 }, dataDir: '.', tokenFile: undefined } })
    expect(cmd(['api', '--listen', ':8080', '--data-dir', '/d', '--api-token-file', '/run/secrets/t']).options).toEqual({ listen: { host: '0.0.0.0', port: 8080 }, dataDir: '/d', tokenFile: '/run/secrets/t' })
  })

  test.each([
    [['query'], 'query needs the SQL as its argument, e.g. valtrack query "SELECT count(*) FROM metadata_events"'],
    [['query', ' '], 'query needs the SQL as its argument, e.g. valtrack query "SELECT count(*) FROM metadata_events"'],
    [['query', 'SELECT 1', 'SELECT 2'], 'unexpected argument "SELECT 2" (see --help)'],
    [['query', 'SELECT 1', '--format', 'csv'], 'invalid value "csv" for --format: expected one of json, table'],
    [['api', '--listen', 'nowhere'], 'invalid value "nowhere" for --listen: expected host:port, [v6]:port or :port with port 0..65535'],
    [['api', '--api-token-file='], 'invalid value "" for --api-token-file: expected a file name'],
    [['api', '--format', 'json'], 'unknown flag --format (see --help)'],
    [['--listen', ':1', 'api'], 'unknown flag --listen (an option of "api": put it after the command) (see --help)'],
  ])('%j', (argv, message) => {
    expect(error(argv)).toBe(message)
  })

  test('help lists the commands and their options', () => {
    expect(helpText).toMatch(/query\s+run one read-only SQL query over the parquet files \(DuckDB\)/)
    expect(helpText).toMatch(/api\s+serve the read-only HTTP API over the parquet files/)
    expect(commandHelp('query')).toContain('valtrack query [command options] "<SQL>"')
    expect(commandHelp('query')).toMatch(/--format format\s+output: json .*table.* \(default: "json"\)/)
    expect(commandHelp('api')).toMatch(/--api-token-file file\s+.*\$VALTRACK_API_TOKEN/)
    expect(commandHelp('api')).toMatch(/--listen host:port\s+.*\(default: "127.0.0.1:9120"\)/)
  })
})
