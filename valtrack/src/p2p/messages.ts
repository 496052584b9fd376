/**
 * The req/resp messages the sentry speaks (Status, Ping, MetaData, Goodbye), every version Prysm v7 serves,
 * with their protocol ids and SSZ bounds. SSZ types come from @lodestar/types; this module maps them to
 * version-independent shapes so that the rest of the sentry never branches on the negotiated version.
 */
import { ssz } from '@lodestar/types'
import type { Type } from '@chainsafe/ssz'
import { CodecError, type SszBounds } from './codec.js'

export type MessageName = 'status' | 'ping' | 'metadata' | 'goodbye'

/** Versions per message, newest first: the order offered in multistream negotiation. */
export const protocolVersions = { status: [2, 1], metadata: [3, 2, 1], ping: [1], goodbye: [1] } as const satisfies Record<MessageName, readonly number[]>

export type StatusVersion = (typeof protocolVersions.status)[number]
export type MetaDataVersion = (typeof protocolVersions.metadata)[number]

export const protocolId = (name: MessageName, version: number): string => `/eth2/beacon_chain/req/${name}/${version}/ssz_snappy`

/** The protocol ids of `name`, newest first. */
export const protocolIds = (name: MessageName): string[] => protocolVersions[name].map((v) => protocolId(name, v))

/** Pure: name and version of one of our protocol ids (e.g. the one multistream selected); null for any other. */
export function parseProtocolId(id: string): { name: MessageName; version: number } | null {
  const m = /^\/eth2\/beacon_chain\/req\/([a-z_]+)\/(\d+)\/ssz_snappy$/.exec(id)
  if (!m) return null
  const name = m[1] as MessageName
  const version = Number(m[2])
  const versions: readonly number[] | undefined = protocolVersions[name]
  return versions?.includes(version) ? { name, version } : null
}

export type Status = {
  forkDigest: Uint8Array
  finalizedRoot: Uint8Array
  finalizedEpoch: number
  headRoot: Uint8Array
  headSlot: number
  /** status/2 (Fulu) only. */
  earliestAvailableSlot?: number
}

export type MetaData = {
  seqNumber: bigint
  /** 8 bytes, bit i (little-endian within each byte) = attestation subnet i. */
  attnets: Uint8Array
  /** metadata/2 and later: 1 byte, the low 4 bits are the sync committee subnets. */
  syncnets?: Uint8Array
  /** metadata/3 (Fulu) only. */
  custodyGroupCount?: number
}

/**
 * Goodbye reasons: 1..3 are the spec's; 128 and above are client-specific, these are the ones Prysm,
 * Lighthouse and Lodestar send (shown by name in events and metrics).
 */
export const GoodbyeReason = {
  clientShutdown: 1n,
  irrelevantNetwork: 2n,
  faultOrError: 3n,
  unableToVerifyNetwork: 128n,
  tooManyPeers: 129n,
  peerScoreTooLow: 250n,
  banned: 251n,
} as const

/** Pure: the name of a Goodbye reason code, or "unknown_<code>". */
export function goodbyeReasonName(code: bigint): string {
  const entry = Object.entries(GoodbyeReason).find(([, c]) => c === code)
  return entry ? entry[0] : `unknown_${code}`
}

const statusTypes = { 1: ssz.phase0.Status, 2: ssz.fulu.Status } as const
const metadataTypes = { 1: ssz.phase0.Metadata, 2: ssz.altair.Metadata, 3: ssz.fulu.Metadata } as const

const boundsOf = (type: Type<unknown>): SszBounds => ({ minBytes: type.minSize, maxBytes: type.maxSize })

/**
 * Bounds of the SSZ body on each protocol, checked before anything is allocated. Ping's and Goodbye's bodies
 * are a uint64. There is no body to bound for a MetaData request (an empty stream: the requester writes
 * nothing, not even a length prefix, and closes its side) nor for a Goodbye response (none is sent).
 */
export function bodyBounds(name: MessageName, version: number, side: 'request' | 'response'): SszBounds {
  switch (name) {
    case 'status':
      return boundsOf(statusTypes[version as StatusVersion] ?? unknownVersion(name, version))
    case 'metadata':
      if (side === 'request') throw new RangeError('a metadata request is an empty stream: there is nothing to decode')
      return boundsOf(metadataTypes[version as MetaDataVersion] ?? unknownVersion(name, version))
    case 'ping':
      return boundsOf(ssz.phase0.Ping)
    case 'goodbye':
      if (side === 'response') throw new RangeError('goodbye has no response')
      return boundsOf(ssz.phase0.Goodbye)
  }
}

function unknownVersion(name: MessageName, version: number): never {
  throw new RangeError(`no ${name} version ${version}; known: ${protocolVersions[name].join(', ')}`)
}

/** SSZ deserialisation of a peer's bytes: any failure is the peer's (bad_response), never an exception of ours. */
function deserialize<T>(type: Type<T>, what: string, bytes: Uint8Array): T {
  try {
    return type.deserialize(bytes)
  } catch (e) {
    throw new CodecError('bad_response', `invalid ${what}: ${(e as Error).message}`)
  }
}

export function encodeStatus(version: StatusVersion, s: Status): Uint8Array {
  const base = { forkDigest: s.forkDigest, finalizedRoot: s.finalizedRoot, finalizedEpoch: s.finalizedEpoch, headRoot: s.headRoot, headSlot: s.headSlot }
  return version === 2 ? ssz.fulu.Status.serialize({ ...base, earliestAvailableSlot: s.earliestAvailableSlot ?? 0 }) : ssz.phase0.Status.serialize(base)
}

export function decodeStatus(version: StatusVersion, bytes: Uint8Array): Status {
  if (version === 2) return deserialize(ssz.fulu.Status, 'status/2', bytes)
  return deserialize(ssz.phase0.Status, 'status/1', bytes)
}

export function encodeMetaData(version: MetaDataVersion, m: MetaData): Uint8Array {
  const attnets = bitVector(ssz.phase0.Metadata.fields.attnets, m.attnets)
  const syncnets = bitVector(ssz.altair.Metadata.fields.syncnets, m.syncnets ?? new Uint8Array(1))
  if (version === 1) return ssz.phase0.Metadata.serialize({ seqNumber: m.seqNumber, attnets })
  if (version === 2) return ssz.altair.Metadata.serialize({ seqNumber: m.seqNumber, attnets, syncnets })
  return ssz.fulu.Metadata.serialize({ seqNumber: m.seqNumber, attnets, syncnets, custodyGroupCount: m.custodyGroupCount ?? 0 })
}

export function decodeMetaData(version: MetaDataVersion, bytes: Uint8Array): MetaData {
  const what = `metadata/${version}`
  if (version === 1) {
    const v = deserialize(ssz.phase0.Metadata, what, bytes)
    return { seqNumber: v.seqNumber, attnets: v.attnets.uint8Array }
  }
  if (version === 2) {
    const v = deserialize(ssz.altair.Metadata, what, bytes)
    return { seqNumber: v.seqNumber, attnets: v.attnets.uint8Array, syncnets: v.syncnets.uint8Array }
  }
  const v = deserialize(ssz.fulu.Metadata, what, bytes)
  return { seqNumber: v.seqNumber, attnets: v.attnets.uint8Array, syncnets: v.syncnets.uint8Array, custodyGroupCount: v.custodyGroupCount }
}

/** A bitvector from its serialised bytes, through the SSZ type itself (which checks length and padding bits). */
function bitVector<T>(type: Type<T>, bytes: Uint8Array): T {
  return type.deserialize(bytes)
}

/** Ping's body and Goodbye's are both a uint64 (the sequence number; the reason code). */
export const encodeUint64 = (value: bigint): Uint8Array => ssz.phase0.Ping.serialize(value)

export const decodeUint64 = (bytes: Uint8Array, what: 'ping' | 'goodbye'): bigint => deserialize(ssz.phase0.Ping, what, bytes)
