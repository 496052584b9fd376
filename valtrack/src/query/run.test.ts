import { spawn, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { metadataEvent } from '../sinks/fixtures.js'
import { formatResult, runQuery } from './run.js'
import { writeParts } from './testParts.js'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'valtrack-run-'))
  await writeParts(dir, [], [{ ev: metadataEvent(1), seq: 1 }, { ev: metadataEvent(2), seq: 2 }])
})
afterAll(() => rm(dir, { recursive: true, force: true }))

const capture = () => {
  const text: string[] = []
  return { write: (s: string) => text.push(s), text: () => text.join('') }
}

test('formatResult: json and table', () => {
  const r = { columns: ['a', 'b'], rows: [{ a: 1, b: 'x' }, { a: null, b: [1, 2] }] }
  expect(formatResult(r, 'json')).toBe('[\n{"a":1,"b":"x"},\n{"a":null,"b":[1,2]}\n]\n')
  expect(JSON.parse(formatResult(r, 'json'))).toEqual(r.rows)
  expect(formatResult({ columns: ['a'], rows: [] }, 'json')).toBe('[]\n')
  expect(formatResult(r, 'table')).toBe('a    | b\n-----+------\n1    | x\nNULL | [1,2]\n(2 rows)\n')
})

test('runQuery: rows on stdout and exit 0; malformed SQL is one line on stderr and exit 2', async () => {
  const out = capture()
  const err = capture()
  expect(await runQuery({ sql: 'SELECT stream_seq, id FROM metadata_events ORDER BY stream_seq', dataDir: dir, format: 'json' }, out, err)).toBe(0)
  expect(JSON.parse(out.text())).toEqual([
    { stream_seq: 1, id: '16Uiu2HAm-test-1' },
    { stream_seq: 2, id: '16Uiu2HAm-test-2' },
  ])
  expect(err.text()).toBe('')
  const err2 = capture()
  expect(await runQuery({ sql: 'SELECT FROM WHERE', dataDir: dir, format: 'table' }, capture(), err2)).toBe(2)
  expect(err2.text()).toMatch(/^valtrack query: Parser Error: syntax error at or near "WHERE"[^\n]*\n$/)
  const err3 = capture()
  expect(await runQuery({ sql: 'DROP VIEW metadata_events', dataDir: dir, format: 'json' }, capture(), err3)).toBe(2)
  expect(err3.text()).toMatch(/^valtrack query: only read-only queries are allowed .* not a DROP statement\n$/)
})

// The binary, when built (npm run build); else the pure functions above stand for it.
const main = fileURLToPath(new URL('../../dist/main.js', import.meta.url))
const built = existsSync(main) && existsSync(fileURLToPath(new URL('../../dist/query/run.js', import.meta.url)))
;(built ? describe : describe.skip)('dist/main.js', () => {
  const run = (...args: string[]) => spawnSync(process.execPath, [main, ...args], { encoding: 'utf8', timeout: 20_000 })

  test('valtrack query prints JSON rows and exits 0', () => {
    const r = run('query', '--data-dir', dir, 'SELECT count(*) AS n FROM metadata_events')
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    expect(JSON.parse(r.stdout)).toEqual([{ n: 2 }])
  })

  test('malformed SQL: one line on stderr, exit 2', () => {
    const r = run('query', '--data-dir', dir, 'SELEC 1')
    expect(r.status).toBe(2)
    expect(r.stdout).toBe('')
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1)
    expect(r.stderr).toBe('valtrack query: Parser Error: syntax error at or near "SELEC"\n')
  })

  test('valtrack api: serves with the token from $VALTRACK_API_TOKEN, never prints it, stops on SIGTERM', async () => {
    const child = spawn(process.execPath, [main, 'api', '--listen', '127.0.0.1:0', '--data-dir', dir], {
      env: { ...process.env, VALTRACK_API_TOKEN: 'tok-xyz' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stderr = ''
    child.stderr.setEncoding('utf8')
    const port = await new Promise<number>((resolve, reject) => {
      child.stderr.on('data', (d: string) => {
        stderr += d
        const m = /listening on 127\.0\.0\.1:(\d+) /.exec(stderr)
        if (m) resolve(Number(m[1]))
      })
      child.once('exit', () => reject(new Error(`exited: ${stderr}`)))
    })
    try {
      expect((await fetch(`http://127.0.0.1:${port}/peers`)).status).toBe(401)
      const res = await fetch(`http://127.0.0.1:${port}/peers`, { headers: { authorization: 'Bearer tok-xyz' } })
      expect(res.status).toBe(200)
      expect((await res.json()).count).toBe(2)
    } finally {
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
      child.kill('SIGTERM')
      expect(await exited).toBe(0)
    }
    expect(stderr).toContain('bearer token required')
    expect(stderr).not.toContain('tok-xyz')
  })

  test('valtrack api: an empty token file is exit 2, one line', () => {
    const r = run('api', '--listen', '127.0.0.1:0', '--data-dir', dir, '--api-token-file', '/dev/null')
    expect(r.status).toBe(2)
    expect(r.stderr).toBe('valtrack api: --api-token-file /dev/null is empty\n')
  })

  test('a bad flag: exit 2', () => {
    const r = run('query', '--format', 'xml', 'SELECT 1')
    expect(r.status).toBe(2)
    expect(r.stderr).toBe('valtrack: invalid value "xml" for --format: expected one of json, table\n')
  })
})
