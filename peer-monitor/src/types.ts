/** Which side of the node a peer or measurement belongs to. */
export type Layer = 'el' | 'cl'

export const layers: readonly Layer[] = ['el', 'cl']

export type Direction = 'inbound' | 'outbound' | 'unknown'

export type ClientFamily =
  | 'geth'
  | 'nethermind'
  | 'besu'
  | 'erigon'
  | 'reth'
  | 'lighthouse'
  | 'prysm'
  | 'teku'
  | 'nimbus'
  | 'lodestar'
  | 'grandine'
  | 'unknown'

/** A client identification string split into its parts. */
export type ClientInfo = {
  family: ClientFamily
  /** Name as the client spelled it, e.g. "Geth"; null when absent. */
  name: string | null
  /** Version without the leading "v" build suffixes kept, e.g. "1.17.5-stable-abc"; null when unknown. */
  version: string | null
  /** Operating system / platform, e.g. "linux-amd64"; null when unknown. */
  os: string | null
  /** The original string, null when the peer reported none. */
  raw: string | null
}

/** One peer of either layer, in the monitor's normalised shape. */
export type Peer = {
  layer: Layer
  /** Node id (EL, hex) or libp2p peer id (CL). */
  id: string
  /** Remote "host:port" when known. */
  remoteAddress: string | null
  direction: Direction
  client: ClientInfo
  /** EL: capabilities such as "eth/68". CL: empty. */
  caps: string[]
  /** CL: connection state ("connected", ...). EL: null. */
  state: string | null
  enr: string | null
  /** EL: enode URL; CL: last seen multiaddr. */
  address: string | null
}

/** One list entry, parsed or rejected with a reason. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string }

/** The result of parsing a list entry by entry. */
export type ParsedList<T> = {
  items: T[]
  /** Number of entries skipped because they were invalid. */
  invalid: number
  /** Short reasons for skipped entries (first few only). */
  invalidReasons: string[]
}

export type ElSync = {
  syncing: boolean
  /** Current head block number. */
  head: number
  /** Highest known block when syncing, else equal to head. */
  highest: number
  /** highest - head (0 when in sync). */
  distance: number
}

export type ClSync = {
  syncing: boolean
  headSlot: number
  distance: number
  isOptimistic: boolean | null
  elOffline: boolean | null
}

/** Errors are classified into these kinds for logs, metrics and /healthz. */
export type ErrorKind =
  | 'timeout'
  | 'refused'
  | 'unreachable'
  | 'http'
  | 'rpc'
  | 'admin_disabled'
  | 'malformed'
  | 'oversized'
  | 'closed'
  | 'unknown'

export type ClassifiedError = {
  kind: ErrorKind
  message: string
  /** Operator hint, e.g. how to enable the admin namespace. */
  hint?: string
}
