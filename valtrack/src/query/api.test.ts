import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { MetadataReceivedEvent } from '../events.js'
import { inferFromEvent } from '../inference/validators.js'
import { discoveredEvent, metadataEvent } from '../sinks/fixtures.js'
import { type ApiServer, apiRoutes, authorized, clientInfo, loadApiToken, peerEstimatesSql, peersSql, shapeStats, startApiServer, statsSql, validatorsSql } from './api.js'
import { QueryDb } from './duckdb.js'
import { writeParts } from './testParts.js'

let dir: string
let db: QueryDb

/** Peer 1 (Prysm) seen twice, latest at a new address; peer 2 Lighthouse on another fork; peer 3 subscribes to all. */
function events(): { ev: MetadataReceivedEvent; seq: number }[] {
  const p1old = metadataEvent(1)
  const p1new = { ...metadataEvent(1), multiaddr: '/ip4/192.0.2.9/tcp/9001', timestamp: 1_700_000_060_000, epoch: 101, subscribed_subnets: [0, 5, 9] }
  const p2 = { ...metadataEvent(2), client_version: 'Lighthouse/v7.0.1-e42406d/x86_64-linux', fork_digest: '0xb5303f2a', subscribed_subnets: [] }
  const p3 = { ...metadataEvent(3), client_version: 'teku/teku/v25.6.0/linux-x86_64', subscribed_subnets: Array.from({ length: 64 }, (_, i) => i), metadata: { ...metadataEvent(3).metadata, attnets: '0xffffffffffffffff' } }
  return [
    { ev: p1old, seq: 10 },
    { ev: p2, seq: 12 },
    { ev: p3, seq: 13 },
    { ev: p1new, seq: 20 },
  ]
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'valtrack-api-'))
  const ev = events()
  await writeParts(dir, [{ ev: discoveredEvent(1), seq: 1 }], ev.slice(0, 3), 'a')
  await writeParts(dir, [], ev.slice(3), 'b')
  db = await QueryDb.open(dir)
})
afterAll(async () => {
  db.close()
  await rm(dir, { recursive: true, force: true })
})

describe('endpoint queries over real parts', () => {
  test('/validators: the over-time estimate per peer, with the latest client, address and last seen', async () => {
    const body = await apiRoutes['/validators'](db)
    expect(body.count).toBe(3)
    expect(body.window_epochs).toBe(32)
    // Known estimates first (descending), unknown ones last, ties by id.
    expect(body.validators.map((v) => v.id)).toEqual(['16Uiu2HAm-test-1', '16Uiu2HAm-test-2', '16Uiu2HAm-test-3'])
    const [old, latest] = [inferFromEvent(events()[0]!.ev), inferFromEvent(events()[3]!.ev)]
    const p1 = body.validators.find((v) => v.id === '16Uiu2HAm-test-1')!
    expect(p1).toMatchObject({
      node_id: '0'.repeat(63) + '1',
      client: { family: 'prysm', version: 'v7.1.2', agent: 'Prysm/v7.1.2/test' },
      address: '/ip4/192.0.2.9/tcp/9001',
      fork_digest: '0x6a95a1a9',
      observations: 2,
      usable_observations: 2,
      window: { epochs: 32, from_epoch: 100, to_epoch: 101 },
      first_seen_epoch: 100,
      first_seen: new Date(1_700_000_000_001).toISOString(),
      crawler_id: 'test-crawler',
      last_seen: new Date(1_700_000_060_000).toISOString(),
    })
    // Over both observations: the larger count, the confidences combined; check and basis are the latest's.
    const confidence = Math.round((1 - (1 - old.confidence) * (1 - latest.confidence)) * 1e6) / 1e6
    expect(p1).toMatchObject({ estimated_validators: Math.max(old.estimated_validators!, latest.estimated_validators!), confidence, has_validators: true, attnets_check: latest.attnets_check, inference_basis: latest.basis })
    expect(p1.estimated_validators).toBeGreaterThan(0)
    const p3 = body.validators.find((v) => v.id === '16Uiu2HAm-test-3')!
    expect(p3.client).toEqual({ family: 'teku', version: 'v25.6.0', agent: 'teku/teku/v25.6.0/linux-x86_64' })
    expect(p3).toMatchObject({ estimated_validators: null, confidence: 0, has_validators: false, observations: 1, usable_observations: 0, inference_basis: 'subscribe_all', attnets_check: 'all' })
    expect(JSON.parse(JSON.stringify(body))).toEqual(body)
  })

  test('/validators?window_epochs=1: only the latest epoch of each peer', async () => {
    const body = await apiRoutes['/validators'](db, new URLSearchParams('window_epochs=1'))
    const latest = inferFromEvent(events()[3]!.ev)
    expect(body.window_epochs).toBe(1)
    expect(body.validators.find((v) => v.id === '16Uiu2HAm-test-1')).toMatchObject({
      observations: 1,
      window: { epochs: 1, from_epoch: 101, to_epoch: 101 },
      estimated_validators: latest.estimated_validators,
      confidence: latest.confidence,
      first_seen_epoch: 100,
    })
  })

  test('/peers: latest metadata per peer, first seen and handshakes', async () => {
    const body = await apiRoutes['/peers'](db)
    expect(body.count).toBe(3)
    expect(body.peers[0]).toMatchObject({
      id: '16Uiu2HAm-test-1',
      client: { family: 'prysm', version: 'v7.1.2' },
      address: '/ip4/192.0.2.9/tcp/9001',
      fork_digest: '0x6a95a1a9',
      handshakes: 2,
      first_seen: new Date(1_700_000_000_001).toISOString(),
      last_seen: new Date(1_700_000_060_000).toISOString(),
      seq_number: 1,
      subscribed_subnets: [0, 5, 9],
      direction: 'outbound',
    })
    expect(body.peers[0]).not.toHaveProperty('client_version')
    expect(body.peers[0]).not.toHaveProperty('multiaddr')
  })

  test('/stats: peers by client family and by fork digest, with the over-time estimates summed', async () => {
    const body = await apiRoutes['/stats'](db)
    expect(body.peers).toBe(3)
    const p1 = (await apiRoutes['/validators'](db)).validators.find((v) => v.id === '16Uiu2HAm-test-1')!
    expect(body.clients.prysm).toEqual({ peers: 1, share: 0.3333, peers_with_validators: 1, estimated_validators: p1.estimated_validators })
    expect(body).toMatchObject({ estimated_validators: p1.estimated_validators, peers_with_validators: 1, window_epochs: 32 })
    expect(body.clients.lighthouse!.peers).toBe(1)
    expect(body.clients.teku).toEqual({ peers: 1, share: 0.3333, peers_with_validators: 0, estimated_validators: 0 })
    expect(body.clients.nimbus).toEqual({ peers: 0, share: 0, peers_with_validators: 0, estimated_validators: 0 })
    expect(body.forks).toEqual({ '0x6a95a1a9': { peers: 2, share: 0.6667 }, '0xb5303f2a': { peers: 1, share: 0.3333 } })
    expect(Object.keys(body.forks)).toEqual(['0x6a95a1a9', '0xb5303f2a'])
  })

  test('an empty data dir gives empty bodies, not errors', async () => {
    const empty = await QueryDb.open(join(dir, 'nothing-here'))
    try {
      expect(await apiRoutes['/validators'](empty)).toEqual({ count: 0, window_epochs: 32, validators: [] })
      expect(await apiRoutes['/peers'](empty)).toEqual({ count: 0, peers: [] })
      const stats = await apiRoutes['/stats'](empty)
      expect(stats).toMatchObject({ peers: 0, peers_with_validators: 0, estimated_validators: 0, forks: {} })
      expect(stats.clients.prysm).toEqual({ peers: 0, share: 0, peers_with_validators: 0, estimated_validators: 0 })
    } finally {
      empty.close()
    }
  })

  test('the SQL is read-only and parses', async () => {
    for (const sql of [validatorsSql(), peersSql(), statsSql()]) await expect(db.query(`EXPLAIN ${sql}`)).resolves.toBeDefined()
  })

  test('the estimate window must be positive integers (it is spliced into the SQL)', () => {
    expect(() => peerEstimatesSql({ windowEpochs: 0, maxObservations: 64 })).toThrow(RangeError)
    expect(() => peerEstimatesSql({ windowEpochs: 1.5, maxObservations: 64 })).toThrow(RangeError)
    expect(() => peerEstimatesSql({ windowEpochs: 32, maxObservations: NaN })).toThrow(RangeError)
  })
})

describe('pure parts', () => {
  test('clientInfo', () => {
    expect(clientInfo('Lighthouse/v7.0.1-e42406d/x86_64-linux')).toEqual({ family: 'lighthouse', version: 'v7.0.1-e42406d', agent: 'Lighthouse/v7.0.1-e42406d/x86_64-linux' })
    expect(clientInfo('nimbus')).toEqual({ family: 'nimbus', version: null, agent: 'nimbus' })
    expect(clientInfo('')).toEqual({ family: 'unknown', version: null, agent: '' })
  })

  test('shapeStats counts a missing fork as "unknown" and sums only known estimates', () => {
    const s = shapeStats([
      { client_version: 'Prysm/v1', fork_digest: null, estimated_validators: 3, has_validators: true },
      { client_version: 'whatever', fork_digest: '0x01', estimated_validators: null, has_validators: false },
    ])
    expect(s).toMatchObject({ estimated_validators: 3, peers_with_validators: 1 })
    expect(s.clients.prysm).toMatchObject({ estimated_validators: 3, peers_with_validators: 1 })
    expect(s.clients.other!.peers).toBe(1)
    expect(s.forks).toEqual({ '0x01': { peers: 1, share: 0.5 }, unknown: { peers: 1, share: 0.5 } })
  })

  test('authorized', () => {
    expect(authorized(undefined, undefined)).toBe(true)
    expect(authorized('Bearer s3cret', 's3cret')).toBe(true)
    expect(authorized('bearer  s3cret', 's3cret')).toBe(true)
    expect(authorized('Bearer s3cre', 's3cret')).toBe(false)
    expect(authorized('s3cret', 's3cret')).toBe(false)
    expect(authorized(undefined, 's3cret')).toBe(false)
    expect(authorized('Bearer ', 's3cret')).toBe(false)
  })

  test('loadApiToken: the file (trimmed) wins over $VALTRACK_API_TOKEN; empty is an error naming no token', async () => {
    const f = join(dir, 'token')
    await writeFile(f, 'from-file\n')
    expect(await loadApiToken(f, { VALTRACK_API_TOKEN: 'from-env' })).toBe('from-file')
    expect(await loadApiToken(undefined, { VALTRACK_API_TOKEN: 'from-env' })).toBe('from-env')
    expect(await loadApiToken(undefined, {})).toBeUndefined()
    await expect(loadApiToken(undefined, { VALTRACK_API_TOKEN: ' ' })).rejects.toThrow('$VALTRACK_API_TOKEN is set but empty')
    await writeFile(f, '\n')
    await expect(loadApiToken(f, {})).rejects.toThrow(/is empty/)
    await expect(loadApiToken(join(dir, 'missing'), {})).rejects.toThrow(/cannot read --api-token-file .*missing: ENOENT/)
  })
})

describe('HTTP server', () => {
  let server: ApiServer
  const logged: string[] = []
  beforeAll(async () => {
    server = await startApiServer({ listen: { host: '127.0.0.1', port: 0 }, db, token: 'tok-123', log: (l) => logged.push(l) })
  })
  afterAll(() => server.close())
  const get = (path: string, init: RequestInit = {}) => fetch(`http://127.0.0.1:${server.port}${path}`, init)

  test('401 without or with a wrong token, 200 with it', async () => {
    const none = await get('/validators')
    expect(none.status).toBe(401)
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/)
    expect(await none.json()).toEqual({ error: 'unauthorized: send Authorization: Bearer <token>' })
    expect((await get('/stats', { headers: { authorization: 'Bearer nope' } })).status).toBe(401)
    for (const path of ['/validators', '/peers', '/stats']) {
      const res = await get(path, { headers: { authorization: 'Bearer tok-123' } })
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toBe('application/json')
      expect(await res.json()).toEqual(JSON.parse(JSON.stringify(await apiRoutes[path as keyof typeof apiRoutes](db))))
    }
    expect(logged.join('\n')).not.toContain('tok-123')
  })

  test('?window_epochs=N reaches the query; a bad one is 400', async () => {
    const auth = { headers: { authorization: 'Bearer tok-123' } }
    const res = await get('/stats?window_epochs=4', auth)
    expect(res.status).toBe(200)
    expect((await res.json()).window_epochs).toBe(4)
    const bad = await get('/validators?window_epochs=0', auth)
    expect(bad.status).toBe(400)
    expect(await bad.json()).toEqual({ error: 'invalid window_epochs "0": expected an integer from 1 to 100000' })
  })

  test('/healthz needs no token; GET only; 404 for anything else', async () => {
    expect(await (await get('/healthz')).json()).toEqual({ ok: true })
    const post = await get('/validators', { method: 'POST', headers: { authorization: 'Bearer tok-123' } })
    expect(post.status).toBe(405)
    expect(post.headers.get('allow')).toBe('GET')
    const nf = await get('/toString', { headers: { authorization: 'Bearer tok-123' } })
    expect(nf.status).toBe(404)
    expect((await nf.json()).error).toMatch(/^not found: try \/validators, \/peers, \/stats, \/healthz$/)
  })

  test('without a token every endpoint is open', async () => {
    const open = await startApiServer({ listen: { host: '127.0.0.1', port: 0 }, db })
    try {
      expect((await fetch(`http://127.0.0.1:${open.port}/peers`)).status).toBe(200)
    } finally {
      await open.close()
    }
  })
})
