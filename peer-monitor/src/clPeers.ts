import { parseClientVersion } from './clientVersion'
import { listCollector, parseList } from './elPeers'
import { jsonBytes, parseObjectStreamingArray, type JsonBytes } from './jsonScan'
import { MalformedResponseError } from './errors'
import type { ClSync, Direction, Parsed, ParsedList, Peer } from './types'

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

const optString = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null)

/** "/ip4/1.2.3.4/tcp/13000/p2p/16U..." -> "1.2.3.4:13000"; null when not understood. */
export function multiaddrToHostPort(addr: string | null): string | null {
  if (!addr) return null
  const parts = addr.split('/').filter((p) => p !== '')
  let host: string | null = null
  let port: string | null = null
  for (let i = 0; i + 1 < parts.length; i++) {
    const proto = parts[i]
    const value = parts[i + 1]!
    if (host === null && (proto === 'ip4' || proto === 'dns4' || proto === 'dns' || proto === 'dns6')) host = value
    else if (host === null && proto === 'ip6') host = `[${value}]`
    else if (port === null && (proto === 'tcp' || proto === 'udp')) port = value
  }
  if (host === null) return null
  return port === null ? host : `${host}:${port}`
}

/** Unwraps the beacon API `{"data": ...}` envelope. */
export function unwrapData(body: unknown, what: string): unknown {
  if (!isObject(body) || !('data' in body)) throw new MalformedResponseError(`${what}: missing "data"`)
  return body.data
}

/** Parses one entry of `/eth/v1/node/peers` (Prysm omits `agent`; others may add it). */
export function parseClPeer(entry: unknown): Parsed<Peer> {
  if (!isObject(entry)) return { ok: false, reason: entry === null ? 'null entry' : `entry is ${Array.isArray(entry) ? 'array' : typeof entry}` }
  const id = entry.peer_id
  if (typeof id !== 'string' || id.length === 0) return { ok: false, reason: 'missing peer_id' }
  const direction: Direction =
    entry.direction === 'inbound' || entry.direction === 'outbound' ? entry.direction : 'unknown'
  const address = optString(entry.last_seen_p2p_address)
  return {
    ok: true,
    value: {
      layer: 'cl',
      id,
      remoteAddress: multiaddrToHostPort(address),
      direction,
      client: parseClientVersion(entry.agent),
      caps: [],
      state: optString(entry.state),
      enr: optString(entry.enr),
      address,
    },
  }
}

const isConnected = (p: Peer) => p.state === null || p.state === 'connected'

/** Parses the body of `/eth/v1/node/peers`; keeps only connected peers. */
export function parseClPeers(body: unknown, reuse?: (peer: Peer) => Peer): ParsedList<Peer> {
  return parseList(unwrapData(body, '/eth/v1/node/peers'), parseClPeer, '/eth/v1/node/peers', reuse, isConnected)
}

/**
 * Same result as `parseClPeers(JSON.parse(body))`, but the `data` array is parsed entry by entry
 * (see jsonScan): at 10,000 peers the 5 MB body never becomes one string or one big object tree.
 */
export function parseClPeersBody(body: JsonBytes | string, reuse?: (peer: Peer) => Peer): ParsedList<Peer> {
  const list = listCollector(parseClPeer, '/eth/v1/node/peers', reuse, isConnected)
  const { value, elementsStreamed } = parseObjectStreamingArray(jsonBytes(body), 'data', list.add)
  return elementsStreamed ? list.result() : parseClPeers(value, reuse)
}

const toInt = (v: unknown, what: string): number => {
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : typeof v === 'number' && Number.isInteger(v) ? v : NaN
  if (!Number.isFinite(n)) throw new MalformedResponseError(`${what}: expected an integer, got ${JSON.stringify(v)?.slice(0, 40)}`)
  return n
}

const optBool = (v: unknown): boolean | null => (typeof v === 'boolean' ? v : null)

/** Parses `/eth/v1/node/syncing`. */
export function parseClSync(body: unknown): ClSync {
  const data = unwrapData(body, '/eth/v1/node/syncing')
  if (!isObject(data)) throw new MalformedResponseError('/eth/v1/node/syncing: "data" is not an object')
  const isSyncing = data.is_syncing
  if (typeof isSyncing !== 'boolean') throw new MalformedResponseError('/eth/v1/node/syncing: missing is_syncing')
  return {
    syncing: isSyncing,
    headSlot: toInt(data.head_slot, 'head_slot'),
    distance: toInt(data.sync_distance, 'sync_distance'),
    isOptimistic: optBool(data.is_optimistic),
    elOffline: optBool(data.el_offline),
  }
}

export type ClPeerCount = { connected: number; connecting: number; disconnected: number; disconnecting: number }

/** Parses `/eth/v1/node/peer_count` (counts are decimal strings). */
export function parseClPeerCount(body: unknown): ClPeerCount {
  const data = unwrapData(body, '/eth/v1/node/peer_count')
  if (!isObject(data)) throw new MalformedResponseError('/eth/v1/node/peer_count: "data" is not an object')
  const get = (k: string) => (data[k] === undefined ? 0 : toInt(data[k], k))
  return { connected: get('connected'), connecting: get('connecting'), disconnected: get('disconnected'), disconnecting: get('disconnecting') }
}

export type ClIdentity = { peerId: string; enr: string | null; p2pAddresses: string[] }

/** Parses `/eth/v1/node/identity`. */
export function parseClIdentity(body: unknown): ClIdentity {
  const data = unwrapData(body, '/eth/v1/node/identity')
  if (!isObject(data) || typeof data.peer_id !== 'string') throw new MalformedResponseError('/eth/v1/node/identity: missing peer_id')
  return {
    peerId: data.peer_id,
    enr: optString(data.enr),
    p2pAddresses: Array.isArray(data.p2p_addresses) ? data.p2p_addresses.filter((a): a is string => typeof a === 'string') : [],
  }
}
