/**
 * The read-only HTTP API over the parquet files (docs/queries.md): GET /validators (latest validator estimate
 * per peer), /peers (latest metadata per peer), /stats (client and fork diversity of the peers' latest rows),
 * /healthz. JSON only; an optional bearer token (constant-time compare; never logged). The SQL and the shaping
 * of results are pure functions; the server only routes, authenticates and serialises.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { HostPort } from '../cli.js'
import { type ClientFamily, clientFamilies, clientFamily } from '../clientFamily.js'
import { type JsonValue, PartsReadError, QueryDb, QueryError, type Row } from './duckdb.js'

// ------------------------------------------------------------------------------------------------------ SQL

/**
 * Pure: the latest row per peer (`id`) of a view: the greatest `timestamp`, ties broken by the greatest
 * `stream_seq` (a duplicate written by two instances collapses to one row).
 */
export function latestPerPeerSql(view: 'metadata_events' | 'validator_metadata_events', extra = ''): string {
  return `SELECT * ${extra ? `, ${extra}` : ''} FROM ${view} QUALIFY row_number() OVER (PARTITION BY id ORDER BY "timestamp" DESC, stream_seq DESC) = 1`
}

/** Pure: /validators' query: latest validator_metadata_events row per peer, with its metadata event's fields. */
export function validatorsSql(): string {
  return `WITH v AS (${latestPerPeerSql('validator_metadata_events', 'count(*) OVER (PARTITION BY id) AS observations')})
SELECT v.id, v.node_id, v.client_version, v.multiaddr, v.estimated_validators, v.confidence, v.attnets_check, v.inference_basis,
       v.epoch, v.observations, m.fork_digest, v.crawler_id, v.crawler_location, v."timestamp" AS last_seen
FROM v LEFT JOIN (SELECT DISTINCT ON (stream_seq) stream_seq, fork_digest FROM metadata_events) m ON m.stream_seq = v.stream_seq
ORDER BY v.estimated_validators DESC NULLS LAST, v.confidence DESC, v.id`
}

/** Pure: /peers' query: latest metadata_events row per peer, with first seen and the number of handshakes. */
export function peersSql(): string {
  return `WITH m AS (${latestPerPeerSql('metadata_events', 'count(*) OVER (PARTITION BY id) AS handshakes, min("timestamp") OVER (PARTITION BY id) AS first_seen')})
SELECT id, node_id, client_version, multiaddr, fork_digest, head_slot, finalized_epoch, epoch, seq_number, attnets,
       syncnets, subscribed_subnets, custody_group_count, status_protocol, metadata_protocol, direction, crawler_id,
       crawler_location, handshakes, first_seen, "timestamp" AS last_seen
FROM m ORDER BY last_seen DESC, id`
}

/** Pure: /stats' query: per peer, its latest metadata row's client and fork, and its latest estimate. */
export function statsSql(): string {
  return `WITH m AS (${latestPerPeerSql('metadata_events')}), v AS (${latestPerPeerSql('validator_metadata_events')})
SELECT m.id, m.client_version, m.fork_digest, v.estimated_validators FROM m LEFT JOIN v ON v.id = m.id ORDER BY m.id`
}

// ------------------------------------------------------------------------------------------------- shaping

export type ClientInfo = { family: ClientFamily; version: string | null; agent: string }

/** Pure: family and version of an identify agent version ("Prysm/v7.1.2/abc" -> prysm, "v7.1.2"). */
export function clientInfo(agent: string): ClientInfo {
  const version = agent.split('/').find((s) => /^v?\d+(\.\d+)*/.test(s)) ?? null
  return { family: clientFamily(agent), version, agent }
}

const str = (v: JsonValue): string => (typeof v === 'string' ? v : v === null ? '' : String(v))

export type ValidatorEntry = {
  id: string
  node_id: string
  client: ClientInfo
  address: string
  fork_digest: string | null
  /** null: unknown (e.g. a subscribe-all node). */
  estimated_validators: number | null
  confidence: number
  attnets_check: string | null
  inference_basis: string
  epoch: number
  observations: number
  crawler_id: string
  crawler_location: string
  last_seen: string
}

/** Pure: /validators' body from validatorsSql's rows. */
export function shapeValidators(rows: Row[]): { count: number; validators: ValidatorEntry[] } {
  const validators = rows.map((r) => ({
    id: str(r.id),
    node_id: str(r.node_id),
    client: clientInfo(str(r.client_version)),
    address: str(r.multiaddr),
    fork_digest: (r.fork_digest as string | null) ?? null,
    estimated_validators: (r.estimated_validators as number | null) ?? null,
    confidence: r.confidence as number,
    attnets_check: (r.attnets_check as string | null) ?? null,
    inference_basis: str(r.inference_basis),
    epoch: r.epoch as number,
    observations: r.observations as number,
    crawler_id: str(r.crawler_id),
    crawler_location: str(r.crawler_location),
    last_seen: str(r.last_seen),
  }))
  return { count: validators.length, validators }
}

/** Pure: /peers' body from peersSql's rows (client_version becomes `client`, multiaddr `address`). */
export function shapePeers(rows: Row[]): { count: number; peers: Row[] } {
  const peers = rows.map(({ client_version, multiaddr, ...rest }) => ({
    id: rest.id ?? null,
    node_id: rest.node_id ?? null,
    client: clientInfo(str(client_version ?? null)) as unknown as JsonValue,
    address: multiaddr ?? null,
    ...rest,
  }))
  return { count: peers.length, peers }
}

export type Stats = {
  peers: number
  estimated_validators: number
  clients: Record<string, { peers: number; share: number; estimated_validators: number }>
  forks: Record<string, { peers: number; share: number }>
}

const share = (n: number, total: number) => (total === 0 ? 0 : Math.round((n / total) * 10_000) / 10_000)

/** Pure: /stats' body from statsSql's rows: peers by client family (every family, 0 included) and by fork digest. */
export function shapeStats(rows: Row[]): Stats {
  const clients: Stats['clients'] = {}
  for (const f of clientFamilies) clients[f] = { peers: 0, share: 0, estimated_validators: 0 }
  const forks: Stats['forks'] = {}
  let validators = 0
  for (const r of rows) {
    const c = clients[clientFamily(str(r.client_version))]!
    c.peers++
    const est = typeof r.estimated_validators === 'number' ? r.estimated_validators : 0
    c.estimated_validators += est
    validators += est
    const fork = str(r.fork_digest) || 'unknown'
    forks[fork] = { peers: (forks[fork]?.peers ?? 0) + 1, share: 0 }
  }
  for (const c of Object.values(clients)) c.share = share(c.peers, rows.length)
  for (const f of Object.values(forks)) f.share = share(f.peers, rows.length)
  const sortedForks = Object.fromEntries(Object.entries(forks).sort(([a, x], [b, y]) => y.peers - x.peers || (a < b ? -1 : 1)))
  return { peers: rows.length, estimated_validators: validators, clients, forks: sortedForks }
}

// -------------------------------------------------------------------------------------------------- auth

/** Pure: whether an Authorization header carries the token (constant time in the header's content). */
export function authorized(header: string | undefined, token: string | undefined): boolean {
  if (token === undefined) return true
  const m = /^Bearer[ ]+(.+)$/i.exec(header ?? '')
  const digest = (s: string) => createHash('sha256').update(s).digest()
  // Hashing first makes both sides the same length, so the compare leaks neither content nor length.
  return timingSafeEqual(digest(m ? m[1]!.trim() : ''), digest(token)) && m !== null
}

export class TokenError extends Error {
  override name = 'TokenError'
}

/**
 * The API token: the file's content (trimmed) when a file is given, else `$VALTRACK_API_TOKEN`, else none.
 * An empty token is an error (it would protect nothing). The message never contains the token.
 */
export async function loadApiToken(tokenFile: string | undefined, env: Record<string, string | undefined>): Promise<string | undefined> {
  if (tokenFile !== undefined) {
    let text: string
    try {
      text = await readFile(tokenFile, 'utf8')
    } catch (e) {
      throw new TokenError(`cannot read --api-token-file ${tokenFile}: ${(e as { code?: string }).code ?? (e as Error).message}`)
    }
    const t = text.trim()
    if (t === '') throw new TokenError(`--api-token-file ${tokenFile} is empty`)
    return t
  }
  const t = env.VALTRACK_API_TOKEN?.trim()
  if (t === undefined) return undefined
  if (t === '') throw new TokenError('$VALTRACK_API_TOKEN is set but empty')
  return t
}

// ------------------------------------------------------------------------------------------------- server

export const apiRoutes = {
  '/validators': async (db: QueryDb) => shapeValidators((await db.query(validatorsSql())).rows),
  '/peers': async (db: QueryDb) => shapePeers((await db.query(peersSql())).rows),
  '/stats': async (db: QueryDb) => shapeStats((await db.query(statsSql())).rows),
} as const

export type ApiServerOptions = {
  listen: HostPort
  db: QueryDb
  token?: string
  /** One line per failed request (never the token); default: none. */
  log?: (line: string) => void
}

export type ApiServer = { port: number; close(): Promise<void> }

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers }).end(`${JSON.stringify(body)}\n`)
}

export async function startApiServer(opts: ApiServerOptions): Promise<ApiServer> {
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0]!
    if (req.method !== 'GET') return json(res, 405, { error: 'method not allowed: GET only' }, { allow: 'GET' })
    if (path === '/healthz') return json(res, 200, { ok: true })
    if (!authorized(req.headers.authorization, opts.token)) {
      return json(res, 401, { error: 'unauthorized: send Authorization: Bearer <token>' }, { 'www-authenticate': 'Bearer realm="valtrack"' })
    }
    const route = Object.hasOwn(apiRoutes, path) ? apiRoutes[path as keyof typeof apiRoutes] : undefined
    if (!route) return json(res, 404, { error: `not found: try ${[...Object.keys(apiRoutes), '/healthz'].join(', ')}` })
    try {
      json(res, 200, await route(opts.db))
    } catch (e) {
      opts.log?.(`GET ${path} failed: ${(e as Error).message}`)
      json(res, 500, { error: e instanceof QueryError || e instanceof PartsReadError ? e.message : 'query failed' })
    }
  }
  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) json(res, 500, { error: 'internal error' })
    })
  })
  server.keepAliveTimeout = 5_000
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.listen.port, opts.listen.host, () => resolve())
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
