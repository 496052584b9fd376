import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createBeaconClient } from './beaconClient'
import { classifyError } from './errors'

let server: Server
let base: string
let handler: (path: string, res: import('node:http').ServerResponse) => void

beforeAll(async () => {
  server = createServer((req, res) => handler(req.url ?? '/', res))
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
})
afterAll(async () => {
  server.closeAllConnections()
  await new Promise<void>((r) => server.close(() => r()))
})

const client = (maxResponseBytes = 1024, timeoutMs = 2000) => createBeaconClient(base, { timeoutMs, maxResponseBytes })
const kind = async (p: Promise<unknown>) => classifyError(await p.then(() => null, (e: unknown) => e)).kind

describe('beacon client', () => {
  it('parses JSON and decodes UTF-8 split across chunks', async () => {
    handler = (path, res) => {
      expect(path).toBe('/eth/v1/node/identity')
      const bytes = Buffer.from(JSON.stringify({ data: { name: 'zürich €' } }))
      const cut = bytes.indexOf(0xe2) + 1 // inside the 3-byte "€"
      res.writeHead(200, { 'content-type': 'application/json' })
      res.write(bytes.subarray(0, cut))
      setTimeout(() => res.end(bytes.subarray(cut)), 20)
    }
    expect(await client().get('/eth/v1/node/identity')).toEqual({ data: { name: 'zürich €' } })
  })
  it('rejects a declared oversized body before reading it', async () => {
    handler = (_, res) => res.writeHead(200, { 'content-length': '5000' }).end('x'.repeat(5000))
    expect(await kind(client().get('/x'))).toBe('oversized')
  })
  it('aborts a chunked body once it passes the limit', async () => {
    handler = (_, res) => {
      res.writeHead(200)
      res.write(`{"data":"${'x'.repeat(800)}`)
      setTimeout(() => res.end(`${'x'.repeat(800)}"}`), 20)
    }
    expect(await kind(client().get('/x'))).toBe('oversized')
  })
  it('classifies non-2xx, bad JSON, timeouts and refused connections', async () => {
    handler = (_, res) => res.writeHead(503).end('{}')
    expect(await kind(client().get('/x'))).toBe('http')
    handler = (_, res) => res.writeHead(200).end('{"data":')
    expect(await kind(client().get('/x'))).toBe('malformed')
    handler = () => {} // never answers
    expect(await kind(client(1024, 100).get('/x'))).toBe('timeout')
    expect(await kind(createBeaconClient('http://127.0.0.1:1', { timeoutMs: 1000, maxResponseBytes: 1024 }).get('/x'))).toBe('refused')
  })
  it('reports a connection cut mid-body as closed', async () => {
    handler = (_, res) => {
      res.writeHead(200, { 'content-length': '100' })
      res.write('{"data":')
      setTimeout(() => res.destroy(), 20)
    }
    expect(await kind(client().get('/x'))).toBe('closed')
  })
})
