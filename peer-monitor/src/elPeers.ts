import { parseClientVersion } from './clientVersion'
import { MalformedResponseError, TooManyEntriesError } from './errors'
import type { Direction, ElSync, Parsed, ParsedList, Peer } from './types'

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

const optString = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null)

/**
 * Parses one entry of geth's `admin_peers` result. Unknown fields are ignored;
 * a protocol given as a string ("handshake", "unknown") is tolerated; a missing
 * `enr` or `name` is fine. Only a missing/invalid `id` makes the entry invalid.
 */
export function parseElPeer(entry: unknown): Parsed<Peer> {
  if (!isObject(entry)) return { ok: false, reason: entry === null ? 'null entry' : `entry is ${Array.isArray(entry) ? 'array' : typeof entry}` }
  const id = entry.id
  if (typeof id !== 'string' || id.length === 0) return { ok: false, reason: 'missing id' }

  const network = isObject(entry.network) ? entry.network : {}
  const direction: Direction =
    network.inbound === true ? 'inbound' : network.inbound === false ? 'outbound' : 'unknown'

  let caps: string[] = Array.isArray(entry.caps)
    ? entry.caps.filter((c): c is string => typeof c === 'string')
    : []
  if (caps.length === 0 && isObject(entry.protocols)) {
    // Fall back to negotiated protocols; string values ("handshake") have no version.
    caps = Object.entries(entry.protocols).map(([name, p]) =>
      isObject(p) && typeof p.version === 'number' ? `${name}/${p.version}` : name,
    )
  }

  return {
    ok: true,
    value: {
      layer: 'el',
      id: id.toLowerCase(),
      remoteAddress: optString(network.remoteAddress),
      direction,
      client: parseClientVersion(entry.name),
      caps,
      state: null,
      enr: optString(entry.enr),
      address: optString(entry.enode),
    },
  }
}

const maxReasons = 5

/**
 * The most peers one layer holds: 2.5 x the 10,000 of the benchmark. The heap the image gives node is sized for
 * two layers of this many (config.ts, heapReserveBytes); a longer list is refused like an oversized response
 * rather than risking the process (a list of minimal entries fits ~100,000 peers in the default 8 MiB).
 */
export const maxPeersPerLayer = 25_000

/**
 * Builds a list entry by entry, skipping and counting invalid entries: `add` takes each raw entry as it is
 * read (so a large list never has to exist as one parsed array), `result` gives the list. `keep` drops valid
 * items that do not belong in it; `reuse` swaps an item for an equal one already held. More than `maxItems`
 * kept items throw a TooManyEntriesError naming `what`.
 */
export function listCollector<T>(parseEntry: (e: unknown) => Parsed<T>, what: string, reuse?: (item: T) => T, keep?: (item: T) => boolean, maxItems = maxPeersPerLayer) {
  const items: T[] = []
  const invalidReasons: string[] = []
  let invalid = 0
  return {
    add(entry: unknown): void {
      const parsed = parseEntry(entry)
      if (parsed.ok) {
        if (keep && !keep(parsed.value)) return
        // Only kept items hold memory; skipped ones are garbage at once.
        if (items.length >= maxItems) throw new TooManyEntriesError(what, maxItems)
        items.push(reuse ? reuse(parsed.value) : parsed.value)
      } else {
        invalid++
        if (invalidReasons.length < maxReasons) invalidReasons.push(parsed.reason)
      }
    },
    result: (): ParsedList<T> => ({ items, invalid, invalidReasons }),
  }
}

/** Parses a whole list (null is an empty list) entry by entry, skipping and counting invalid entries. */
export function parseList<T>(result: unknown, parseEntry: (e: unknown) => Parsed<T>, what: string, reuse?: (item: T) => T, keep?: (item: T) => boolean): ParsedList<T> {
  if (result === null || result === undefined) return { items: [], invalid: 0, invalidReasons: [] }
  if (!Array.isArray(result)) throw new MalformedResponseError(`${what}: expected an array, got ${typeof result}`)
  const list = listCollector(parseEntry, what, reuse, keep)
  for (const entry of result) list.add(entry)
  return list.result()
}

/** Parses the result of `admin_peers` (null is treated as an empty list). */
export function parseElPeers(result: unknown, reuse?: (peer: Peer) => Peer): ParsedList<Peer> {
  return parseList(result, parseElPeer, 'admin_peers', reuse)
}

/** A notification of `admin_subscribe ["peerEvents"]`. */
export type PeerEvent = {
  type: 'add' | 'drop'
  id: string
  error: string | null
  local: string | null
  remote: string | null
}

/** Parses a peerEvents notification payload; null for other event types (msgsend, ...) or junk. */
export function parsePeerEvent(result: unknown): PeerEvent | null {
  if (!isObject(result)) return null
  if (result.type !== 'add' && result.type !== 'drop') return null
  if (typeof result.peer !== 'string' || result.peer === '') return null
  return {
    type: result.type,
    id: result.peer.toLowerCase(),
    error: optString(result.error),
    local: optString(result.local),
    remote: optString(result.remote),
  }
}

/** Parses a JSON-RPC hex quantity ("0x1a"); throws MalformedResponseError otherwise. */
export function parseQuantity(value: unknown, what: string): number {
  if (typeof value === 'string' && /^0x[0-9a-f]+$/i.test(value)) return Number.parseInt(value, 16)
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value
  throw new MalformedResponseError(`${what}: expected a hex quantity, got ${JSON.stringify(value)?.slice(0, 40)}`)
}

/** Combines `eth_syncing` and `eth_blockNumber` results. */
export function parseElSync(syncing: unknown, blockNumber: unknown): ElSync {
  const head = parseQuantity(blockNumber, 'eth_blockNumber')
  if (syncing === false || syncing === null) return { syncing: false, head, highest: head, distance: 0 }
  if (!isObject(syncing)) throw new MalformedResponseError('eth_syncing: expected false or an object')
  const current = syncing.currentBlock === undefined ? head : parseQuantity(syncing.currentBlock, 'eth_syncing.currentBlock')
  const highest = syncing.highestBlock === undefined ? current : parseQuantity(syncing.highestBlock, 'eth_syncing.highestBlock')
  return { syncing: true, head: current, highest, distance: Math.max(0, highest - current) }
}
