/**
 * The read-only HTTP API over the parquet files (docs/queries.md): GET /validators (the over-time validator
 * estimate per peer, ValidatorEstimator's, in SQL), /peers (latest metadata per peer), /stats (client and fork
 * diversity of the peers' latest rows, with their estimates summed), /healthz. JSON only; an optional bearer token (constant-time compare; never logged). The SQL and the shaping
 * of results are pure functions; the server only routes, authenticates and serialises.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { HostPort } from '../cli.js'
import { type ClientFamily, clientFamilies, clientFamily } from '../clientFamily.js'
import { type HttpEndpoint, listen } from '../httpServer.js'
import { MAX_CONFIDENCE } from '../inference/validators.js'
import { type JsonValue, PartsReadError, QueryDb, QueryError, type Row } from './duckdb.js'

// ------------------------------------------------------------------------------------------------------ SQL

/**
 * Pure: the latest row per peer (`id`) of a view: the greatest `timestamp`, ties broken by the greatest
 * `stream_seq` (a duplicate written by two instances collapses to one row).
 */
export function latestPerPeerSql(view: 'metadata_events' | 'validator_metadata_events', extra = ''): string {
  return `SELECT * ${extra ? `, ${extra}` : ''} FROM ${view} QUALIFY row_number() OVER (PARTITION BY id ORDER BY "timestamp" DESC, stream_seq DESC) = 1`
}

/** The over-time estimate's window: ValidatorEstimator's defaults (inference/validators.ts). */
export type EstimateWindow = { windowEpochs: number; maxObservations: number }
export const defaultEstimateWindow: EstimateWindow = { windowEpochs: 32, maxObservations: 64 }
export const MAX_WINDOW_EPOCHS = 100_000

/** A peer is its node id, keyed as ValidatorEstimator keys it (lower case, no 0x). */
const nodeKey = () => `lower(regexp_replace(node_id, '^0x', ''))`

/**
 * Pure: the over-time estimate per peer, ValidatorEstimator's definition in SQL (its tests compare the two):
 * rows deduplicated by stream_seq (two instances may both write a sequence); per node id, the observations
 * whose epoch is within `windowEpochs` of the peer's latest epoch, at most `maxObservations` of the latest (by
 * epoch, timestamp, stream_seq); estimate = the maximum non-null per-event estimate; confidence =
 * min(0.95, 1 - prod(1 - c)) over the usable (non-null) ones, rounded to 1e-6. The latest observation gives
 * the row's identity (id, client, address, check). One row per peer; `node` is the key.
 */
export function peerEstimatesSql(w: EstimateWindow = defaultEstimateWindow): string {
  if (![w.windowEpochs, w.maxObservations].every((n) => Number.isSafeInteger(n) && n > 0)) throw new RangeError(`bad estimate window ${JSON.stringify(w)}`)
  return `WITH d AS (SELECT DISTINCT ON (stream_seq) *, ${nodeKey()} AS node FROM validator_metadata_events),
p AS (SELECT *, max(epoch) OVER (PARTITION BY node) AS peer_epoch, min(epoch) OVER (PARTITION BY node) AS first_seen_epoch,
             min("timestamp") OVER (PARTITION BY node) AS first_seen FROM d),
k AS (SELECT *, row_number() OVER (PARTITION BY node ORDER BY epoch DESC, "timestamp" DESC, stream_seq DESC) AS rn
      FROM p WHERE epoch > peer_epoch - ${w.windowEpochs}),
a AS (SELECT node, count(*) AS observations, count(estimated_validators) AS usable_observations,
             max(estimated_validators) AS estimated_validators, coalesce(bool_or(estimated_validators > 0), false) AS has_validators,
             round(least(${MAX_CONFIDENCE}, 1 - coalesce(product(1 - confidence) FILTER (WHERE estimated_validators IS NOT NULL), 1)), 6) AS confidence,
             min(epoch) AS from_epoch, max("timestamp") AS last_seen
      FROM k WHERE rn <= ${w.maxObservations} GROUP BY node)
SELECT a.*, k.id, k.client_version, k.multiaddr, k.attnets_check, k.inference_basis, k.epoch AS last_seen_epoch, k.first_seen_epoch,
       k.first_seen, k.stream_seq, k.crawler_id, k.crawler_location
FROM a JOIN k ON k.node = a.node AND k.rn = 1`
}

/** Pure: /validators' query: the over-time estimate per peer, with the fork digest of its latest observation. */
export function validatorsSql(w: EstimateWindow = defaultEstimateWindow): string {
  return `WITH e AS (${peerEstimatesSql(w)})
SELECT e.*, m.fork_digest
FROM e LEFT JOIN (SELECT DISTINCT ON (stream_seq) stream_seq, fork_digest FROM metadata_events) m ON m.stream_seq = e.stream_seq
ORDER BY e.estimated_validators DESC NULLS LAST, e.confidence DESC, e.id`
}

/** Pure: /peers' query: latest metadata_events row per peer, with first seen and the number of handshakes. */
export function peersSql(): string {
  return `WITH m AS (${latestPerPeerSql('metadata_events', 'count(*) OVER (PARTITION BY id) AS handshakes, min("timestamp") OVER (PARTITION BY id) AS first_seen')})
SELECT id, node_id, client_version, multiaddr, fork_digest, head_slot, finalized_epoch, epoch, seq_number, attnets,
       syncnets, subscribed_subnets, custody_group_count, status_protocol, metadata_protocol, direction, crawler_id,
       crawler_location, handshakes, first_seen, "timestamp" AS last_seen
FROM m ORDER BY last_seen DESC, id`
}

/**
 * Pure: /stats' query: per peer (node id), its latest metadata row's client and fork, and its over-time
 * estimate. The peers are those of metadata_events: client diversity counts a peer whatever its estimate.
 */
export function statsSql(w: EstimateWindow = defaultEstimateWindow): string {
  return `WITH m AS (SELECT ${nodeKey()} AS node, client_version, fork_digest FROM metadata_events
           QUALIFY row_number() OVER (PARTITION BY ${nodeKey()} ORDER BY "timestamp" DESC, stream_seq DESC) = 1),
e AS (${peerEstimatesSql(w)})
SELECT m.node, m.client_version, m.fork_digest, e.estimated_validators, coalesce(e.has_validators, false) AS has_validators
FROM m LEFT JOIN e ON e.node = m.node ORDER BY m.node`
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
  /** The maximum per-event estimate in the window; null: unknown (e.g. a subscribe-all node). */
  estimated_validators: number | null
  confidence: number
  has_validators: boolean
  /** Observations kept in the window, and of them those with an estimate. */
  observations: number
  usable_observations: number
  /** The window's length, and the epochs its observations span. */
  window: { epochs: number; from_epoch: number; to_epoch: number }
  /** The latest observation's. */
  attnets_check: string | null
  inference_basis: string
  first_seen_epoch: number
  first_seen: string
  last_seen: string
  crawler_id: string
  crawler_location: string
}

/** Pure: /validators' body from validatorsSql's rows. */
export function shapeValidators(rows: Row[], w: EstimateWindow = defaultEstimateWindow): { count: number; window_epochs: number; validators: ValidatorEntry[] } {
  const validators = rows.map((r) => ({
    id: str(r.id),
    node_id: str(r.node),
    client: clientInfo(str(r.client_version)),
    address: str(r.multiaddr),
    fork_digest: (r.fork_digest as string | null) ?? null,
    estimated_validators: (r.estimated_validators as number | null) ?? null,
    confidence: r.confidence as number,
    has_validators: r.has_validators === true,
    observations: r.observations as number,
    usable_observations: r.usable_observations as number,
    window: { epochs: w.windowEpochs, from_epoch: r.from_epoch as number, to_epoch: r.last_seen_epoch as number },
    attnets_check: (r.attnets_check as string | null) ?? null,
    inference_basis: str(r.inference_basis),
    first_seen_epoch: r.first_seen_epoch as number,
    first_seen: str(r.first_seen),
    last_seen: str(r.last_seen),
    crawler_id: str(r.crawler_id),
    crawler_location: str(r.crawler_location),
  }))
  return { count: validators.length, window_epochs: w.windowEpochs, validators }
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

type ClientStats = { peers: number; share: number; peers_with_validators: number; estimated_validators: number }

export type Stats = {
  peers: number
  peers_with_validators: number
  /** Sum of the peers' over-time estimates (unknown ones count 0). */
  estimated_validators: number
  window_epochs: number
  clients: Record<string, ClientStats>
  forks: Record<string, { peers: number; share: number }>
}

const share = (n: number, total: number) => (total === 0 ? 0 : Math.round((n / total) * 10_000) / 10_000)

/** Pure: /stats' body from statsSql's rows: peers by client family (every family, 0 included) and by fork digest. */
export function shapeStats(rows: Row[], w: EstimateWindow = defaultEstimateWindow): Stats {
  const clients: Stats['clients'] = {}
  for (const f of clientFamilies) clients[f] = { peers: 0, share: 0, peers_with_validators: 0, estimated_validators: 0 }
  const forks: Stats['forks'] = {}
  const total = { peers_with_validators: 0, estimated_validators: 0 }
  for (const r of rows) {
    const c = clients[clientFamily(str(r.client_version))]!
    const est = typeof r.estimated_validators === 'number' ? r.estimated_validators : 0
    const withValidators = r.has_validators === true ? 1 : 0
    c.peers++
    for (const t of [c, total]) {
      t.estimated_validators += est
      t.peers_with_validators += withValidators
    }
    const fork = str(r.fork_digest) || 'unknown'
    forks[fork] = { peers: (forks[fork]?.peers ?? 0) + 1, share: 0 }
  }
  for (const c of Object.values(clients)) c.share = share(c.peers, rows.length)
  for (const f of Object.values(forks)) f.share = share(f.peers, rows.length)
  const sortedForks = Object.fromEntries(Object.entries(forks).sort(([a, x], [b, y]) => y.peers - x.peers || (a < b ? -1 : 1)))
  return { peers: rows.length, ...total, window_epochs: w.windowEpochs, clients, forks: sortedForks }
}

/** A request the API cannot answer as asked (a bad parameter): 400 with the message. */
export class BadRequest extends Error {
  override name = 'BadRequest'
}

/** Pure: the estimate window from the query string (`window_epochs`, 1..MAX_WINDOW_EPOCHS; default 32). */
export function estimateWindow(params: URLSearchParams): EstimateWindow {
  const v = params.get('window_epochs')
  if (v === null) return defaultEstimateWindow
  const n = /^\d{1,6}$/.test(v) ? Number(v) : NaN
  if (!(n >= 1 && n <= MAX_WINDOW_EPOCHS)) throw new BadRequest(`invalid window_epochs ${JSON.stringify(v)}: expected an integer from 1 to ${MAX_WINDOW_EPOCHS}`)
  return { ...defaultEstimateWindow, windowEpochs: n }
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

const noParams = new URLSearchParams()

export const apiRoutes = {
  '/validators': async (db: QueryDb, params = noParams) => {
    const w = estimateWindow(params)
    return shapeValidators((await db.query(validatorsSql(w))).rows, w)
  },
  '/peers': async (db: QueryDb, _params = noParams) => shapePeers((await db.query(peersSql())).rows),
  '/stats': async (db: QueryDb, params = noParams) => {
    const w = estimateWindow(params)
    return shapeStats((await db.query(statsSql(w))).rows, w)
  },
} as const

export type ApiServerOptions = {
  listen: HostPort
  db: QueryDb
  token?: string
  /** One line per failed request (never the token); default: none. */
  log?: (line: string) => void
}

export type ApiServer = HttpEndpoint

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers }).end(`${JSON.stringify(body)}\n`)
}

export async function startApiServer(opts: ApiServerOptions): Promise<ApiServer> {
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const target = req.url ?? '/'
    const q = target.indexOf('?')
    const path = q === -1 ? target : target.slice(0, q)
    const params = new URLSearchParams(q === -1 ? '' : target.slice(q + 1))
    if (req.method !== 'GET') return json(res, 405, { error: 'method not allowed: GET only' }, { allow: 'GET' })
    if (path === '/healthz') return json(res, 200, { ok: true })
    if (!authorized(req.headers.authorization, opts.token)) {
      return json(res, 401, { error: 'unauthorized: send Authorization: Bearer <token>' }, { 'www-authenticate': 'Bearer realm="valtrack"' })
    }
    const route = Object.hasOwn(apiRoutes, path) ? apiRoutes[path as keyof typeof apiRoutes] : undefined
    if (!route) return json(res, 404, { error: `not found: try ${[...Object.keys(apiRoutes), '/healthz'].join(', ')}` })
    try {
      json(res, 200, await route(opts.db, params))
    } catch (e) {
      if (e instanceof BadRequest) return json(res, 400, { error: e.message })
      opts.log?.(`GET ${path} failed: ${(e as Error).message}`)
      json(res, 500, { error: e instanceof QueryError || e instanceof PartsReadError ? e.message : 'query failed' })
    }
  }
  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) json(res, 500, { error: 'internal error' })
    })
  })
  return listen(server, opts.listen)
}
