/**
 * The WebSocket JSON-RPC client against a scripted ws server on loopback (real sockets, real frames): each test
 * decides what the server answers.
 */
import type { AddressInfo } from 'node:net'
import { WebSocketServer, type WebSocket } from 'ws'
import { createElClient, type ElClient } from './elClient'
import { classifyError } from './errors'

type Request = { id: number; method: string; params: unknown[] }
type Script = (request: Request, socket: WebSocket) => void

let wss: WebSocketServer
let url: string
let connections = 0
let script: Script
let client: ElClient | null = null

beforeEach(async () => {
  connections = 0
  script = (r, s) => s.send(JSON.stringify({ jsonrpc: '2.0', id: r.id, result: r.method }))
  wss = new WebSocketServer({ host: '127.0.0.1', port: 0 })
  wss.on('connection', (socket) => {
    connections++
    socket.on('message', (data) => script(JSON.parse(String(data)) as Request, socket))
  })
  await new Promise((r) => wss.once('listening', r))
  url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`
})

afterEach(async () => {
  client?.close()
  client = null
  for (const s of wss.clients) s.terminate()
  await new Promise((r) => wss.close(r))
})

const open = (options: Partial<{ timeoutMs: number; maxResponseBytes: number }> = {}) =>
  (client = createElClient(url, { timeoutMs: 2000, maxResponseBytes: 1024 * 1024, ...options }))

describe('WebSocket JSON-RPC client', () => {
  it('hands a list result over element by element', async () => {
    script = (r, s) => s.send(JSON.stringify({ jsonrpc: '2.0', id: r.id, result: r.method === 'admin_peers' ? [{ id: 'a' }, null, { id: 'b' }] : null }))
    const c = open()
    const seen: unknown[] = []
    await expect(c.requestList('admin_peers', [], (e) => seen.push(e))).resolves.toEqual({ streamed: true })
    expect(seen).toEqual([{ id: 'a' }, null, { id: 'b' }])
    await expect(c.requestList('other', [], (e) => seen.push(e))).resolves.toEqual({ streamed: false, result: null })
    expect(seen).toHaveLength(3)
  })

  it('shares one connection between concurrent first requests and matches answers by id', async () => {
    const held: Array<[Request, WebSocket]> = []
    script = (r, s) => {
      held.push([r, s])
      if (held.length === 3) for (const [req, sock] of held.reverse()) sock.send(JSON.stringify({ jsonrpc: '2.0', id: req.id, result: req.method }))
    }
    const c = open()
    await expect(Promise.all([c.request('one'), c.request('two'), c.request('three')])).resolves.toEqual(['one', 'two', 'three'])
    expect(connections).toBe(1)
  })

  it('turns a JSON-RPC error into an error with its code and keeps the connection', async () => {
    script = (r, s) => s.send(JSON.stringify({ jsonrpc: '2.0', id: r.id, error: { code: -32601, message: 'the method admin_peers does not exist/is not available' } }))
    const c = open()
    const error = await c.request('admin_peers').catch((e: unknown) => e)
    expect(classifyError(error)).toMatchObject({ kind: 'admin_disabled', message: 'the method admin_peers does not exist/is not available' })
    await c.request('again').catch(() => {})
    expect(c.connected).toBe(true)
    expect(connections).toBe(1)
  })

  it('times out, ignores the late answer and reconnects for the next request', async () => {
    let first = true
    script = (r, s) => {
      const answer = () => s.send(JSON.stringify({ jsonrpc: '2.0', id: r.id, result: r.method }))
      if (first) setTimeout(answer, 300)
      else answer()
      first = false
    }
    const c = open({ timeoutMs: 100 })
    const error = await c.request('slow').catch((e: unknown) => e)
    expect(classifyError(error).kind).toBe('timeout')
    expect(c.connected).toBe(false)
    await expect(c.request('fast')).resolves.toBe('fast')
    expect(connections).toBe(2)
  })

  it('refuses a message over maxResponseBytes without buffering it, and reports the disconnect', async () => {
    script = (r, s) => s.send(JSON.stringify({ jsonrpc: '2.0', id: r.id, result: 'x'.repeat(4096) }))
    const c = open({ maxResponseBytes: 1024 })
    const disconnected = new Promise<Error>((resolve) => c.onDisconnect(resolve))
    const error = await c.request('big').catch((e: unknown) => e)
    expect(classifyError(error).kind).toBe('oversized')
    expect(classifyError(await disconnected).kind).toBe('oversized')
    expect(c.connected).toBe(false)
  })

  it.each([
    ['a message that is not JSON', (s: WebSocket) => s.send('{"jsonrpc":"2.0","id":1,"result":[{"id":')],
    ['a binary message', (s: WebSocket) => s.send(Buffer.from('{"jsonrpc":"2.0","id":1,"result":1}'), { binary: true })],
  ])('fails the pending requests as malformed on %s and starts afresh', async (_, send) => {
    script = (_r, s) => send(s)
    const c = open()
    const error = await c.request('x').catch((e: unknown) => e)
    expect(classifyError(error).kind).toBe('malformed')
    expect(c.connected).toBe(false)
  })

  it('routes only the notifications of its own subscription', async () => {
    script = (r, s) => {
      if (r.method !== 'admin_subscribe') return
      s.send(JSON.stringify({ jsonrpc: '2.0', id: r.id, result: '0xsub' }))
      for (const subscription of ['0xother', '0xsub'])
        s.send(JSON.stringify({ jsonrpc: '2.0', method: 'admin_subscription', params: { subscription, result: { type: 'add', peer: subscription } } }))
    }
    const c = open()
    const events: unknown[] = []
    await expect(c.subscribePeerEvents((e) => events.push(e))).resolves.toBe('0xsub')
    await new Promise((r) => setTimeout(r, 50))
    expect(events).toEqual([{ type: 'add', peer: '0xsub' }])
  })

  it('reports a refused connection', async () => {
    await new Promise((r) => wss.close(r))
    const c = open()
    expect(classifyError(await c.request('x').catch((e: unknown) => e)).kind).toBe('refused')
  })
})

describe('WebSocket JSON-RPC client, closing', () => {
  let server: WebSocketServer
  beforeEach(async () => {
    server = new WebSocketServer({ host: '127.0.0.1', port: 0 })
    await new Promise((r) => server.once('listening', r))
  })
  afterEach(async () => {
    for (const s of server.clients) s.terminate()
    await new Promise((r) => server.close(r))
  })
  it('fails pending requests and drops a connection that opens after close()', async () => {
    const c = createElClient(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`, { timeoutMs: 2000, maxResponseBytes: 1024 })
    const connecting = c.connect()
    c.close()
    expect(classifyError(await connecting.catch((e: unknown) => e)).kind).toBe('closed')
    expect(c.connected).toBe(false)
    await new Promise((r) => setTimeout(r, 50))
    expect(server.clients.size).toBe(0)
  })
})
