/**
 * A fake geth JSON-RPC endpoint for tests and the benchmark: HTTP and WebSocket
 * on one port, admin_peers / admin_subscribe ["peerEvents"] with notifications in
 * geth's format (method "admin_subscription"), eth_syncing, eth_blockNumber,
 * net_peerCount, and injectable faults.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { WebSocketServer, type WebSocket } from 'ws'

export type GethFault = 'slow' | 'http500' | 'malformed' | 'oversized' | 'null_result' | null

export type RawGethPeer = Record<string, unknown> & { id: string }

export function gethPeer(id: string, overrides: Record<string, unknown> = {}): RawGethPeer {
  return {
    enr: `enr:-${id}`,
    enode: `enode://${id}@10.0.0.1:30303`,
    id,
    name: 'Geth/v1.17.5-stable-abc/linux-amd64/go1.25',
    caps: ['eth/68', 'snap/1'],
    network: { localAddress: '172.20.0.2:30303', remoteAddress: `10.0.${id.length}.1:30303`, inbound: false, trusted: false, static: false },
    protocols: { eth: { version: 68 }, snap: { version: 1 } },
    ...overrides,
  }
}

type Rpc = { jsonrpc?: string; id?: unknown; method?: string; params?: unknown[] }

export class FakeGeth {
  /** Raw admin_peers entries (may include junk on purpose). */
  peers: unknown[] = []
  syncing: unknown = false
  blockNumber = 0x10
  adminEnabled = true
  subscriptionsSupported = true
  fault: GethFault = null
  slowMs = 2000
  oversizedBytes = 64 * 1024
  /** Number of JSON-RPC requests seen, by method. */
  calls = new Map<string, number>()
  private server: Server | null = null
  private wss: WebSocketServer | null = null
  private subscriptions = new Map<WebSocket, string>()
  private port = 0
  private nextSub = 1

  get httpUrl() {
    return `http://127.0.0.1:${this.port}`
  }
  get wsUrl() {
    return `ws://127.0.0.1:${this.port}`
  }
  get subscriberCount() {
    return this.subscriptions.size
  }

  /** Listens on 127.0.0.1 (ephemeral port unless given, e.g. to come back on the same port). */
  async start(port = this.port): Promise<void> {
    const server = createServer((req, res) => void this.onHttp(req, res))
    const wss = new WebSocketServer({ server })
    wss.on('connection', (ws) => this.onSocket(ws))
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, '127.0.0.1', () => resolve())
    })
    this.server = server
    this.wss = wss
    this.port = (server.address() as AddressInfo).port
  }

  async stop(): Promise<void> {
    const server = this.server
    const wss = this.wss
    this.server = null
    this.wss = null
    this.subscriptions.clear()
    if (wss) for (const ws of wss.clients) ws.terminate()
    wss?.close()
    if (server) {
      server.closeAllConnections()
      await new Promise<void>((r) => server.close(() => r()))
    }
  }

  /** Closes every WebSocket connection (like a geth restart) but keeps listening. */
  dropConnections() {
    this.subscriptions.clear()
    if (this.wss) for (const ws of this.wss.clients) ws.terminate()
  }

  addPeer(peer: RawGethPeer, notify = true) {
    this.peers.push(peer)
    const network = peer.network as { localAddress?: string; remoteAddress?: string }
    if (notify) this.notify({ type: 'add', peer: peer.id, local: network?.localAddress, remote: network?.remoteAddress })
  }

  dropPeer(id: string, error = 'disconnect requested', notify = true) {
    this.peers = this.peers.filter((p) => (p as { id?: unknown } | null)?.id !== id)
    if (notify) this.notify({ type: 'drop', peer: id, error })
  }

  /** Sends a peerEvents notification to every subscriber, exactly as geth frames it. */
  notify(result: Record<string, unknown>) {
    for (const [ws, subscription] of this.subscriptions)
      ws.send(JSON.stringify({ jsonrpc: '2.0', method: 'admin_subscription', params: { subscription, result } }))
  }

  private count(method: string) {
    this.calls.set(method, (this.calls.get(method) ?? 0) + 1)
  }

  private handle(req: Rpc, ws: WebSocket | null): Record<string, unknown> {
    const method = String(req.method)
    this.count(method)
    const ok = (result: unknown) => ({ jsonrpc: '2.0', id: req.id, result })
    const err = (code: number, message: string) => ({ jsonrpc: '2.0', id: req.id, error: { code, message } })
    const notAvailable = () => err(-32601, `the method ${method} does not exist/is not available`)
    switch (method) {
      case 'admin_peers':
        if (!this.adminEnabled) return notAvailable()
        return ok(this.fault === 'null_result' ? null : this.peers)
      case 'admin_subscribe': {
        if (!this.adminEnabled) return notAvailable()
        if (!ws || !this.subscriptionsSupported) return err(-32001, 'notifications not supported')
        if (!Array.isArray(req.params) || req.params[0] !== 'peerEvents') return err(-32602, 'no such subscription')
        const id = `0x${(this.nextSub++).toString(16).padStart(32, '0')}`
        this.subscriptions.set(ws, id)
        return ok(id)
      }
      case 'eth_syncing':
        return ok(this.syncing)
      case 'eth_blockNumber':
        return ok(`0x${this.blockNumber.toString(16)}`)
      case 'net_peerCount':
        return ok(`0x${this.peers.length.toString(16)}`)
      default:
        return notAvailable()
    }
  }

  /** Applies the configured fault; returns the raw text to send, or null to send `response` normally. */
  private async faulted(response: Record<string, unknown>): Promise<string | null> {
    if (this.fault === 'slow') await new Promise((r) => setTimeout(r, this.slowMs).unref())
    if (this.fault === 'malformed') return '{"jsonrpc":"2.0","id":1,"result":[{"id":'
    if (this.fault === 'oversized')
      return JSON.stringify({ ...response, result: [gethPeer('ab'.repeat(16), { padding: 'x'.repeat(this.oversizedBytes) })] })
    return null
  }

  private async onHttp(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = []
    for await (const c of req) chunks.push(c as Buffer)
    if (this.fault === 'http500') {
      res.writeHead(500, { 'content-type': 'text/plain' })
      res.end('internal server error')
      return
    }
    let body: Rpc
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Rpc
    } catch {
      res.writeHead(400).end()
      return
    }
    const response = this.handle(body, null)
    const raw = (await this.faulted(response)) ?? JSON.stringify(response)
    if (res.destroyed) return
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(raw)
  }

  private onSocket(ws: WebSocket) {
    ws.on('close', () => this.subscriptions.delete(ws))
    ws.on('error', () => {})
    ws.on('message', (data) => {
      void (async () => {
        let req: Rpc
        try {
          req = JSON.parse(String(data)) as Rpc
        } catch {
          return
        }
        if (req.id === null || req.id === undefined) return
        const response = this.handle(req, ws)
        const raw = (await this.faulted(response)) ?? JSON.stringify(response)
        if (ws.readyState === ws.OPEN) ws.send(raw)
      })()
    })
  }
}
