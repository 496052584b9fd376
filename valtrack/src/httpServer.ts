/**
 * The sentry's (and later the consumer's) HTTP endpoint: GET /metrics (Prometheus text) and GET /healthz
 * (200 when healthy, 503 otherwise, with a JSON body saying why). Nothing else is served. `listen` is how
 * every valtrack HTTP server (this one and the query API's) is bound and closed.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Registry } from 'prom-client'
import type { HostPort } from './cli.js'

export type Health = { ok: boolean } & Record<string, unknown>

/** A listening server: the port it is bound to, and how to close it. */
export type HttpEndpoint = { port: number; close(): Promise<void> }

export async function startHttpServer(addr: HostPort, registry: Registry, health: () => Health): Promise<HttpEndpoint> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end()
      return
    }
    if (path === '/metrics') {
      registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
        (e: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${(e as Error).message}\n`),
      )
      return
    }
    if (path === '/healthz') {
      const h = health()
      res.writeHead(h.ok ? 200 : 503, { 'content-type': 'application/json' }).end(`${JSON.stringify(h)}\n`)
      return
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics or /healthz\n')
  })
  return listen(server, addr)
}

/**
 * Starts `server` listening on `addr` (port 0: any free one) with the endpoints' keep-alive: an idle client
 * connection (a scrape, an API client) must not hold the process at shutdown. Rejects with the server's own
 * error (e.g. EADDRINUSE for a port in use). `close` stops accepting, ends the open connections and resolves
 * when the server is closed.
 */
export async function listen(server: Server, addr: HostPort): Promise<HttpEndpoint> {
  server.keepAliveTimeout = 5_000
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(addr.port, addr.host, () => resolve())
  })
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
