import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { bootnodes } from './bootnodes.js'
import { BOOTNODE_FROM_DEADLINE_MS, enrFromIdentity, fetchBeaconEnr, identityUrl } from './beaconIdentity.js'
import { parseEnr } from './enr.js'

const ENR = bootnodes.hoodi[0]!
const PEER_ID = (parseEnr(ENR) as { ok: true; record: { peerId: string } }).record.peerId
/** A /eth/v1/node/identity response as Prysm serves it (other fields abridged). */
const identity = (enr: unknown) => ({
  data: { peer_id: PEER_ID, enr, p2p_addresses: ['/ip4/172.20.0.3/tcp/13000/p2p/' + PEER_ID], discovery_addresses: [], metadata: { seq_number: '1', attnets: '0x0000000000000000' } },
})

describe('pure', () => {
  test('the identity URL of a base URL, with or without trailing slashes', () => {
    expect(identityUrl('http://beacon:3500')).toBe('http://beacon:3500/eth/v1/node/identity')
    expect(identityUrl('http://beacon:3500//')).toBe('http://beacon:3500/eth/v1/node/identity')
  })

  test('the ENR of an identity response, checked to be a valid signed record', () => {
    expect(enrFromIdentity(identity(ENR))).toEqual({ ok: true, enr: ENR, peerId: PEER_ID })
    expect(enrFromIdentity(identity(` ${ENR}\n`))).toEqual({ ok: true, enr: ENR, peerId: PEER_ID })
    for (const body of [null, 'enr:-x', {}, { data: null }, { data: { enr: 7 } }, identity(undefined)]) {
      expect(enrFromIdentity(body)).toEqual({ ok: false, error: 'expected {"data":{"enr":"enr:..."}}' })
    }
    // One character of the signature changed: decodes, but the signature does not verify.
    const forged = ENR.slice(0, 10) + (ENR[10] === 'A' ? 'B' : 'A') + ENR.slice(11)
    const r = enrFromIdentity(identity(forged))
    expect(r.ok).toBe(false)
    expect((r as { error: string }).error).toMatch(/^data\.enr is not a valid ENR \(invalid ENR: /)
  })

  test('the sentry waits minutes, not forever, for its beacon node', () => {
    expect(BOOTNODE_FROM_DEADLINE_MS).toBe(5 * 60_000)
  })
})

describe('fetchBeaconEnr against an HTTP server', () => {
  let server: Server
  let base: string
  let handler: (req: IncomingMessage, res: ServerResponse, n: number) => void
  let requests: string[]
  beforeEach(async () => {
    requests = []
    server = createServer((req, res) => {
      requests.push(`${req.method} ${req.url} ${req.headers.accept}`)
      handler(req, res, requests.length)
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterEach(() => new Promise<void>((r) => server.close(() => r())))

  const fast = { retry: { baseMs: 5, capMs: 20 }, deadlineMs: 2_000 }
  const json = (res: ServerResponse, status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))

  test('asks again while the node is starting (503, 500), then returns its ENR', async () => {
    handler = (_req, res, n) => (n < 3 ? json(res, n === 1 ? 503 : 500, { code: 503 }) : json(res, 200, identity(ENR)))
    const warnings: unknown[] = []
    const logger = { debug: () => {}, info: () => {}, warn: (_m: string, f?: unknown) => warnings.push(f), error: () => {} }
    expect(await fetchBeaconEnr(`${base}/`, { ...fast, logger })).toEqual({ ok: true, enr: ENR, peerId: PEER_ID })
    expect(requests).toEqual(Array(3).fill('GET /eth/v1/node/identity application/json'))
    // The first failure is a warning; the rest are debug lines.
    expect(warnings).toEqual([expect.objectContaining({ url: `${base}/eth/v1/node/identity`, attempt: 1, error: 'HTTP 503' })])
  })

  test('nothing listening: retried until the deadline, then one line naming the URL and the last problem', async () => {
    await new Promise<void>((r) => server.close(() => r()))
    server = createServer()
    await expect(fetchBeaconEnr(base, { ...fast, deadlineMs: 300 })).rejects.toThrow(
      new RegExp(`^--bootnode-from ${base}/eth/v1/node/identity: no identity within 300ms \\(\\d+ attempts; last: fetch failed \\(ECONNREFUSED\\)\\)$`),
    )
  })

  test('a node that does not answer in time counts as a failed attempt', async () => {
    handler = (_req, res, n) => (n === 1 ? undefined : json(res, 200, identity(ENR)))
    expect(await fetchBeaconEnr(base, { ...fast, requestTimeoutMs: 100 })).toMatchObject({ enr: ENR })
    expect(requests).toHaveLength(2)
  })

  test('an answer that is not an identity ends the wait at once', async () => {
    handler = (_req, res) => json(res, 200, identity('enr:-not-a-record'))
    await expect(fetchBeaconEnr(base, fast)).rejects.toThrow(`--bootnode-from ${base}/eth/v1/node/identity: data.enr is not a valid ENR (`)
    handler = (_req, res) => res.writeHead(200).end('<html>')
    await expect(fetchBeaconEnr(base, fast)).rejects.toThrow(`--bootnode-from ${base}/eth/v1/node/identity: response is not JSON: "<html>"`)
    expect(requests).toHaveLength(2)
  })

  test('the abort signal (SIGTERM during start-up) ends the wait with its reason', async () => {
    handler = (_req, res) => json(res, 503, {})
    const stop = new AbortController()
    const waiting = fetchBeaconEnr(base, { retry: { baseMs: 10_000, capMs: 10_000 }, deadlineMs: 60_000, signal: stop.signal })
    while (requests.length === 0) await new Promise((r) => setTimeout(r, 5))
    stop.abort(new Error('stopped by SIGTERM during start-up'))
    await expect(waiting).rejects.toThrow('stopped by SIGTERM during start-up')
  })
})
