/**
 * The events the sentry publishes (JetStream subjects events.peer_discovered and events.metadata_received,
 * or JSON lines). Field names of the original are kept so that its consumers still work; the additions are
 * listed in README.md. Builders are pure; `validateEvent` checks a parsed event against the schema (the
 * consumer is to use it to set malformed messages aside).
 */
import type { NodeRecord } from './discovery/enr.js'
import type { MetaData, Status } from './p2p/messages.js'

export const SCHEMA_VERSION = 1

export type Crawler = { crawlerId: string; crawlerLocation: string }

export type PeerDiscoveredEvent = {
  schema_version: number
  enr: string
  /** libp2p peer id. */
  id: string
  node_id: string
  /** IPv4 if the record has one, else IPv6; "" if neither. */
  ip: string
  /** TCP port (libp2p); 0 if the record has none. */
  port: number
  /** From the ENR's eth2 key, hex; null if absent or malformed. */
  fork_digest: string | null
  attnets: string | null
  syncnets: string | null
  custody_group_count: number | null
  /** Keys present but malformed, as "key: reason". */
  enr_problems: string[]
  crawler_id: string
  crawler_location: string
  /** Unix ms. */
  timestamp: number
}

export type MetadataReceivedEvent = {
  schema_version: number
  enr: string
  id: string
  node_id: string
  multiaddr: string
  /** Epoch at the sentry's clock when the handshake completed. */
  epoch: number
  metadata: {
    /** A number; a decimal string only if over 2^53 (no client gets there). */
    seq_number: number | string
    attnets: string
    syncnets: string | null
  }
  /** Attestation subnets (0..63) the peer subscribed to over gossipsub during the listening window. */
  subscribed_subnets: number[]
  /** The peer's identify agent version, e.g. "Prysm/v7.1.2/...". */
  client_version: string
  fork_digest: string
  head_slot: number
  finalized_epoch: number
  custody_group_count: number | null
  /** The versions multistream selected, e.g. "status/2", "metadata/3". */
  protocols: { status: string; metadata: string }
  direction: 'outbound' | 'inbound'
  handshake_latency_ms: number
  crawler_id: string
  crawler_location: string
  timestamp: number
}

const hexOf = (bytes: Uint8Array): string => `0x${Buffer.from(bytes).toString('hex')}`
const hexOrNull = (bytes: Uint8Array | undefined): string | null => (bytes ? hexOf(bytes) : null)

export function peerDiscovered(record: NodeRecord, peerId: string, crawler: Crawler, timestampMs: number): PeerDiscoveredEvent {
  return {
    schema_version: SCHEMA_VERSION,
    enr: record.enr,
    id: peerId,
    node_id: record.nodeId,
    ip: record.ip ?? record.ip6 ?? '',
    port: record.tcp ?? record.tcp6 ?? 0,
    fork_digest: hexOrNull(record.eth2?.forkDigest),
    attnets: hexOrNull(record.attnets),
    syncnets: hexOrNull(record.syncnets),
    custody_group_count: record.custodyGroupCount ?? null,
    enr_problems: record.problems.map((p) => `${p.key}: ${p.reason}`),
    crawler_id: crawler.crawlerId,
    crawler_location: crawler.crawlerLocation,
    timestamp: timestampMs,
  }
}

export type Handshake = {
  record: NodeRecord
  peerId: string
  multiaddr: string
  epoch: number
  status: Status
  metadata: MetaData
  subscribedSubnets: Iterable<number>
  agentVersion: string
  protocols: { status: string; metadata: string }
  direction: 'outbound' | 'inbound'
  latencyMs: number
}

export function metadataReceived(h: Handshake, crawler: Crawler, timestampMs: number): MetadataReceivedEvent {
  const seq = h.metadata.seqNumber
  return {
    schema_version: SCHEMA_VERSION,
    enr: h.record.enr,
    id: h.peerId,
    node_id: h.record.nodeId,
    multiaddr: h.multiaddr,
    epoch: h.epoch,
    metadata: {
      seq_number: seq <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(seq) : seq.toString(),
      attnets: hexOf(h.metadata.attnets),
      syncnets: hexOrNull(h.metadata.syncnets),
    },
    subscribed_subnets: [...new Set(h.subscribedSubnets)].sort((a, b) => a - b),
    client_version: h.agentVersion,
    fork_digest: hexOf(h.status.forkDigest),
    head_slot: h.status.headSlot,
    finalized_epoch: h.status.finalizedEpoch,
    custody_group_count: h.metadata.custodyGroupCount ?? null,
    protocols: h.protocols,
    direction: h.direction,
    handshake_latency_ms: h.latencyMs,
    crawler_id: crawler.crawlerId,
    crawler_location: crawler.crawlerLocation,
    timestamp: timestampMs,
  }
}

/** A field's type in the schema (`?` allows null), or a nested object's schema. */
type Scalar = 'string' | 'uint' | 'uint?' | 'hex' | 'hex?' | 'subnets' | 'strings' | 'uint|string' | 'direction'
type FieldType = Scalar | { [key: string]: FieldType }

const discoveredSchema: Record<keyof PeerDiscoveredEvent, FieldType> = {
  schema_version: 'uint',
  enr: 'string',
  id: 'string',
  node_id: 'string',
  ip: 'string',
  port: 'uint',
  fork_digest: 'hex?',
  attnets: 'hex?',
  syncnets: 'hex?',
  custody_group_count: 'uint?',
  enr_problems: 'strings',
  crawler_id: 'string',
  crawler_location: 'string',
  timestamp: 'uint',
}

const metadataSchema: Record<keyof MetadataReceivedEvent, FieldType> = {
  schema_version: 'uint',
  enr: 'string',
  id: 'string',
  node_id: 'string',
  multiaddr: 'string',
  epoch: 'uint',
  metadata: { seq_number: 'uint|string', attnets: 'hex', syncnets: 'hex?' },
  subscribed_subnets: 'subnets',
  client_version: 'string',
  fork_digest: 'hex',
  head_slot: 'uint',
  finalized_epoch: 'uint',
  custody_group_count: 'uint?',
  protocols: { status: 'string', metadata: 'string' },
  direction: 'direction',
  handshake_latency_ms: 'uint',
  crawler_id: 'string',
  crawler_location: 'string',
  timestamp: 'uint',
}

export const eventSchemas = { peer_discovered: discoveredSchema, metadata_received: metadataSchema } as const

const isUint = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0
const isHex = (v: unknown) => typeof v === 'string' && /^0x(?:[0-9a-f]{2})*$/.test(v)

function checkValue(type: Scalar, v: unknown): boolean {
  if (type.endsWith('?') && v === null) return true
  switch (type.replace('?', '')) {
    case 'string':
      return typeof v === 'string'
    case 'uint':
      return isUint(v)
    case 'hex':
      return isHex(v)
    case 'uint|string':
      return isUint(v) || (typeof v === 'string' && /^\d+$/.test(v))
    case 'strings':
      return Array.isArray(v) && v.every((s) => typeof s === 'string')
    case 'subnets':
      return Array.isArray(v) && v.every((s) => Number.isInteger(s) && s >= 0 && s <= 63)
    case 'direction':
      return v === 'outbound' || v === 'inbound'
    default:
      return false
  }
}

function checkObject(schema: Record<string, FieldType>, value: unknown, path: string, problems: string[]): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.push(`${path || 'event'}: expected an object`)
    return
  }
  const obj = value as Record<string, unknown>
  for (const [key, type] of Object.entries(schema)) {
    const at = path ? `${path}.${key}` : key
    if (!(key in obj)) problems.push(`${at}: missing`)
    else if (typeof type === 'object') checkObject(type, obj[key], at, problems)
    else if (!checkValue(type, obj[key])) problems.push(`${at}: expected ${type}, got ${JSON.stringify(obj[key])}`)
  }
  for (const key of Object.keys(obj)) if (!(key in schema)) problems.push(`${path ? `${path}.` : ''}${key}: not in the schema`)
}

/** Hex as isHex has it ("0x" and pairs of lowercase hex digits), without a regular expression. */
function isHexFast(v: unknown): boolean {
  if (typeof v !== 'string') return false
  const n = v.length
  if (n < 2 || (n & 1) !== 0 || v.charCodeAt(0) !== 0x30 || v.charCodeAt(1) !== 0x78) return false
  for (let i = 2; i < n; i++) {
    const c = v.charCodeAt(i)
    if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66))) return false
  }
  return true
}

function isSubnets(v: unknown): boolean {
  if (!Array.isArray(v)) return false
  for (let i = 0; i < v.length; i++) {
    const s: unknown = v[i]
    if (!(Number.isInteger(s) && (s as number) >= 0 && (s as number) <= 63)) return false
  }
  return true
}

function isStrings(v: unknown): boolean {
  if (!Array.isArray(v)) return false
  for (let i = 0; i < v.length; i++) if (typeof v[i] !== 'string') return false
  return true
}

/** Per scalar type, the expression that checks `v` (the helpers from `h`). */
const scalarExpr: Record<Scalar, string> = {
  string: "typeof v === 'string'",
  uint: 'h.isUint(v)',
  'uint?': '(v === null || h.isUint(v))',
  hex: 'h.isHex(v)',
  'hex?': '(v === null || h.isHex(v))',
  subnets: 'h.isSubnets(v)',
  strings: 'h.isStrings(v)',
  'uint|string': "(h.isUint(v) || (typeof v === 'string' && h.digits.test(v)))",
  direction: "(v === 'outbound' || v === 'inbound')",
}

/**
 * A schema compiled to one predicate (generated code, each field's check inline): true exactly when checkObject
 * finds no problem: every key of the schema present (`in`, as there), each value of its type, and no own
 * enumerable key (Object.keys's) that is not `in` the schema.
 */
function compile(schema: Record<string, FieldType>): (value: unknown) => boolean {
  const schemas: Array<Record<string, FieldType>> = []
  const body = (sc: Record<string, FieldType>, o: string): string => {
    const i = schemas.push(sc) - 1
    const lines = [`if (typeof ${o} !== 'object' || ${o} === null || Array.isArray(${o})) return false`]
    for (const [k, t] of Object.entries(sc)) {
      const key = JSON.stringify(k)
      lines.push(`if (!(${key} in ${o})) return false`)
      if (typeof t === 'object') {
        // The nested schema's index, as body gives it: its variable's name.
        const inner = `o${schemas.length}`
        lines.push(`{ const ${inner} = ${o}[${key}]`, body(t, inner), '}')
      } else lines.push(`{ const v = ${o}[${key}]; if (!(${scalarExpr[t]})) return false }`)
    }
    lines.push(`for (const k in ${o}) if (Object.hasOwn(${o}, k) && !(k in h.schemas[${i}])) return false`)
    return lines.join('\n')
  }
  const code = `return (o0) => {\n${body(schema, 'o0')}\nreturn true\n}`
  const helpers = { isUint, isHex: isHexFast, isSubnets, isStrings, digits: /^\d+$/, schemas }
  return new Function('h', code)(helpers) as (value: unknown) => boolean
}

const validators = { peer_discovered: compile(discoveredSchema), metadata_received: compile(metadataSchema) } as const

/** Pure: what is wrong with a parsed event of this type ([] when it matches the schema exactly). */
export function validateEvent(type: keyof typeof eventSchemas, value: unknown): string[] {
  // The consumer's hot path: a compiled check; only an event that fails it is walked again to name its problems.
  if (validators[type](value)) return []
  return schemaProblems(type, value)
}

/** What validateEvent returns, by walking the schema alone (the reference its compiled check is tested against). */
export function schemaProblems(type: keyof typeof eventSchemas, value: unknown): string[] {
  const problems: string[] = []
  checkObject(eventSchemas[type], value, '', problems)
  return problems
}
