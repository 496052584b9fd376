import { createServer, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { snapshotChunks } from './format'
import { computeHealth } from './health'
import type { Metrics } from './metrics'
import type { LayerState } from './snapshot'

export type ServerDeps = {
  metrics: Metrics
  el: LayerState
  cl: LayerState
  staleMs: number
  now(): number
}

/** GET /metrics, /peers, /healthz on node's http module. */
export function createHttpServer(deps: ServerDeps): Server {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]
    const send = (status: number, contentType: string, body: string) => {
      res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' })
      res.end(req.method === 'HEAD' ? undefined : body)
    }
    const json = (status: number, body: unknown) => send(status, 'application/json', `${JSON.stringify(body)}\n`)
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD')
      return json(405, { error: 'method not allowed' })
    }
    switch (path) {
      case '/metrics':
        deps.metrics.registry
          .metrics()
          .then((text) => send(200, deps.metrics.registry.contentType, text))
          .catch((e: unknown) => json(500, { error: String(e) }))
        return
      case '/peers':
        res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' })
        if (req.method === 'HEAD') return void res.end()
        void streamPieces(res, snapshotChunks(deps.el, deps.cl, 'request', deps.now(), 'json'))
        return
      case '/healthz': {
        const h = computeHealth([deps.el, deps.cl], deps.now(), deps.staleMs)
        return json(h.healthy ? 200 : 503, h.body)
      }
      default:
        return json(404, { error: 'not found', paths: ['/metrics', '/peers', '/healthz'] })
    }
  })
  server.keepAliveTimeout = 5000
  server.headersTimeout = 10_000
  server.requestTimeout = 10_000
  return server
}

/** Writes pieces with backpressure: a slow client never makes the service buffer a whole snapshot. */
async function streamPieces(res: ServerResponse, pieces: Iterable<string>) {
  for (const piece of pieces) {
    if (res.destroyed) return
    if (!res.write(piece)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          res.off('drain', done)
          res.off('close', done)
          resolve()
        }
        res.on('drain', done)
        res.on('close', done)
      })
    }
  }
  if (!res.destroyed) res.end()
}

export function listen(server: Server, host: string, port: number): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve(server.address() as AddressInfo)
    })
  })
}
