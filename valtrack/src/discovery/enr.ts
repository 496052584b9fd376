/**
 * What the sentry needs from a node record (EIP-778 ENR, decoded and signature-checked by @chainsafe/enr):
 * identity, addresses and the consensus keys eth2, attnets, syncnets and cgc. Never throws: a record that
 * cannot be decoded is an error result; a key that is present but malformed is left out and listed in
 * `problems` (the original read attnets as 8 bytes without a length check and crashed on a short one).
 */
import { ENR } from '@chainsafe/enr'
import { ATTESTATION_SUBNET_COUNT, SYNC_COMMITTEE_SUBNET_COUNT } from '@lodestar/params'

export type Eth2Field = {
  forkDigest: Uint8Array
  nextForkVersion: Uint8Array
  /** FAR_FUTURE_EPOCH (2^64 - 1) when no fork is scheduled: a bigint. */
  nextForkEpoch: bigint
}

export type EnrKey = 'ip' | 'ip6' | 'tcp' | 'udp' | 'quic' | 'tcp6' | 'udp6' | 'quic6' | 'eth2' | 'attnets' | 'syncnets' | 'cgc'

export type FieldProblem = { key: EnrKey; reason: string }

export type NodeRecord = {
  /** The text form, "enr:..." */
  enr: string
  /** keccak256 of the public key, 64 hex digits: the discv5 node id, input to compute_subscribed_subnets. */
  nodeId: string
  /** The libp2p peer id of the record's secp256k1 key ("16Uiu2..."): whom a dial must reach. */
  peerId: string
  seq: bigint
  ip?: string
  ip6?: string
  tcp?: number
  udp?: number
  quic?: number
  tcp6?: number
  udp6?: number
  quic6?: number
  eth2?: Eth2Field
  /** Exactly 8 bytes. */
  attnets?: Uint8Array
  /** Exactly 1 byte, high 4 bits zero. */
  syncnets?: Uint8Array
  custodyGroupCount?: number
  problems: FieldProblem[]
}

export type ParseEnrResult = { ok: true; record: NodeRecord } | { ok: false; error: string }

/** Pure: the record of an "enr:" text (as in bootnode lists and on the command line). */
export function parseEnr(text: string): ParseEnrResult {
  const trimmed = text.trim()
  if (!trimmed.startsWith('enr:')) return { ok: false, error: 'not an ENR: expected text starting with "enr:"' }
  let enr: ENR
  try {
    enr = ENR.decodeTxt(trimmed)
  } catch (e) {
    return { ok: false, error: `invalid ENR: ${e instanceof Error ? e.message : String(e)}` }
  }
  return recordFromEnr(enr, trimmed)
}

/** Pure: the record of an ENR decoded elsewhere (discv5 hands us ENR objects); `text` defaults to its encoding. */
export function recordFromEnr(enr: ENR, text?: string): ParseEnrResult {
  let encoded = text
  if (encoded === undefined) {
    try {
      encoded = enr.encodeTxt()
    } catch (e) {
      // A record object built without a signature cannot be encoded.
      return { ok: false, error: `invalid ENR: ${e instanceof Error ? e.message : String(e)}` }
    }
  }
  return { ok: true, record: readRecord(enr, encoded) }
}

/** A key's value, or why it was refused. */
type Read<T> = { value: T } | { problem: string }
const ok = <T>(value: T): Read<T> => ({ value })
const refuse = (problem: string): Read<never> => ({ problem })

function readRecord(enr: ENR, text: string): NodeRecord {
  const problems: FieldProblem[] = []
  const field = <T>(key: EnrKey, read: (v: Uint8Array) => Read<T>): T | undefined => {
    const v = enr.kvs.get(key)
    if (v === undefined) return undefined
    const out = read(v)
    if ('problem' in out) {
      problems.push({ key, reason: out.problem })
      return undefined
    }
    return out.value
  }
  const values = {
    ip: field('ip', ip4),
    ip6: field('ip6', ip6),
    tcp: field('tcp', port),
    udp: field('udp', port),
    quic: field('quic', port),
    tcp6: field('tcp6', port),
    udp6: field('udp6', port),
    quic6: field('quic6', port),
    eth2: field('eth2', eth2),
    attnets: field('attnets', (v) => bitvector(v, ATTESTATION_SUBNET_COUNT)),
    syncnets: field('syncnets', (v) => bitvector(v, SYNC_COMMITTEE_SUBNET_COUNT)),
    custodyGroupCount: field('cgc', uintBE),
  }
  // Absent keys stay absent (no `undefined` properties): events and tests see only what the record has.
  const present = Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined))
  return { enr: text, nodeId: enr.nodeId, peerId: enr.peerId.toString(), seq: enr.seq, ...present, problems }
}

const wrongLength = (v: Uint8Array, expected: number) => refuse(`expected ${expected} bytes, got ${v.length}`)

function ip4(v: Uint8Array): Read<string> {
  return v.length === 4 ? ok(v.join('.')) : wrongLength(v, 4)
}

function ip6(v: Uint8Array): Read<string> {
  if (v.length !== 16) return wrongLength(v, 16)
  const groups = Array.from({ length: 8 }, (_, i) => ((v[2 * i]! << 8) | v[2 * i + 1]!).toString(16))
  // The URL parser prints the canonical (RFC 5952, zero-compressed) form, in brackets.
  return ok(new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1))
}

function port(v: Uint8Array): Read<number> {
  const n = uintBE(v)
  if ('problem' in n) return n
  return n.value >= 1 && n.value <= 65535 ? n : refuse(`port ${n.value} outside 1..65535`)
}

/** RLP integers: big-endian (0 is empty); up to 8 bytes (uint64), exact up to 2^53. */
function uintBE(v: Uint8Array): Read<number> {
  if (v.length > 8) return refuse(`integer of ${v.length} bytes (more than a uint64)`)
  const n = v.reduce((acc, b) => acc * 256 + b, 0)
  return Number.isSafeInteger(n) ? ok(n) : refuse(`integer ${n} too large`)
}

/** ENRForkID: fork_digest (4), next_fork_version (4), next_fork_epoch (uint64 little-endian) = 16 bytes. */
function eth2(v: Uint8Array): Read<Eth2Field> {
  if (v.length !== 16) return wrongLength(v, 16)
  const epoch = new DataView(v.buffer, v.byteOffset, v.byteLength).getBigUint64(8, true)
  return ok({ forkDigest: v.slice(0, 4), nextForkVersion: v.slice(4, 8), nextForkEpoch: epoch })
}

/** A serialised SSZ Bitvector[bits]: ceil(bits/8) bytes, padding bits zero. */
function bitvector(v: Uint8Array, bits: number): Read<Uint8Array> {
  const bytes = Math.ceil(bits / 8)
  if (v.length !== bytes) return wrongLength(v, bytes)
  if (bits % 8 !== 0 && v[bytes - 1]! >> bits % 8 !== 0) return refuse(`bits above ${bits - 1} set (only ${bits} exist)`)
  return ok(v.slice())
}
