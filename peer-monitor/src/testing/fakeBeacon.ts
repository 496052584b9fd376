/** A fake beacon node API serving Prysm-format data, with injectable faults. */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export type BeaconFault = 'slow' | 'http500' | 'malformed' | 'oversized' | null

export type RawBeaconPeer = Record<string, unknown> & { peer_id: string }

/** Prysm's shape: no `agent` field. */
export function beaconPeer(peerId: string, overrides: Record<string, unknown> = {}): RawBeaconPeer {
  return {
    peer_id: peerId,
    enr: `enr:-${peerId}`,
    last_seen_p2p_address: `/ip4/10.1.0.${peerId.length}/tcp/13000/p2p/${peerId}`,
    state: 'connected',
    direction: 'inbound',
    ...overrides,
  }
}

export class FakeBeacon {
  peers: RawBeaconPeer[] = []
  /** `/eth/v1/node/syncing` data (fields may be deleted to mimic nodes that omit them). */
  sync: Record<string, unknown> = { head_slot: '1000', sync_distance: '0', is_syncing: false, is_optimistic: false, el_offline: false }
  fault: BeaconFault = null
  slowMs = 2000
  oversizedBytes = 64 * 1024
  requests = 0
  private server: Server | null = null
  private port = 0

  get url() {
    return `http://127.0.0.1:${this.port}`
  }

  async start(port = this.port): Promise<void> {
    const server = createServer((req, res) => {
      this.requests++
      void (async () => {
        if (this.fault === 'slow') await new Promise((r) => setTimeout(r, this.slowMs).unref())
        if (res.destroyed) return
        if (this.fault === 'http500') {
          res.writeHead(500, { 'content-type': 'application/json' })
          res.end('{"code":500,"message":"internal error"}')
          return
        }
        const path = (req.url ?? '').split('?')[0]
        const send = (body: unknown) => {
          let text = JSON.stringify(body)
          if (this.fault === 'malformed') text = text.slice(0, Math.max(1, text.length - 3))
          if (this.fault === 'oversized') text = JSON.stringify({ ...(body as object), padding: 'x'.repeat(this.oversizedBytes) })
          res.writeHead(200, { 'content-type': 'application/json' })
          res.end(text)
        }
        const state = new URL(req.url ?? '/', 'http://x').searchParams.getAll('state')
        switch (path) {
          case '/eth/v1/node/peers': {
            const data = state.length ? this.peers.filter((p) => state.includes(String(p.state))) : this.peers
            return send({ data, meta: { count: data.length } })
          }
          case '/eth/v1/node/peer_count':
            return send({ data: { disconnected: '3', connecting: '0', connected: String(this.peers.length), disconnecting: '0' } })
          case '/eth/v1/node/syncing':
            return send({ data: this.sync })
          case '/eth/v1/node/identity':
            return send({ data: { peer_id: '16Uiu2HAmSelf', enr: 'enr:-self', p2p_addresses: ['/ip4/127.0.0.1/tcp/13000'], discovery_addresses: [], metadata: { seq_number: '1', attnets: '0x00', syncnets: '0x0' } } })
          default:
            res.writeHead(404, { 'content-type': 'application/json' })
            res.end('{"code":404,"message":"not found"}')
        }
      })()
    })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, '127.0.0.1', () => resolve())
    })
    this.server = server
    this.port = (server.address() as AddressInfo).port
  }

  async stop(): Promise<void> {
    const server = this.server
    this.server = null
    if (server) {
      server.closeAllConnections()
      await new Promise<void>((r) => server.close(() => r()))
    }
  }
}
