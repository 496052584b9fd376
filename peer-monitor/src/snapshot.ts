import type { TrackedPeer } from './peerState'
import type { ClassifiedError, ClSync, ElSync, Layer } from './types'

export type LayerStatus = 'pending' | 'ok' | 'error'
export type SubscriptionStatus = 'active' | 'inactive' | 'unsupported'

/** Mutable per-layer state owned by the monitors; read by output, /peers, /healthz. */
export type LayerState = {
  layer: Layer
  status: LayerStatus
  /** ms since epoch of the last fully successful update. */
  lastSuccess: number | null
  lastError: ClassifiedError | null
  lastErrorAt: number | null
  peers: Map<string, TrackedPeer>
  /** Invalid entries skipped in the last peer list. */
  invalidEntries: number
  /** net_peerCount (EL) or peer_count.connected (CL); null when unavailable. */
  reportedPeerCount: number | null
  elSync: ElSync | null
  clSync: ClSync | null
  /** EL only: peerEvents subscription status; null for CL. */
  subscription: SubscriptionStatus | null
  /** CL only: the node's own identity from /eth/v1/node/identity. */
  identity: { peerId: string; enr: string | null } | null
}

export function emptyLayerState(layer: Layer): LayerState {
  return {
    layer,
    status: 'pending',
    lastSuccess: null,
    lastError: null,
    lastErrorAt: null,
    peers: new Map(),
    invalidEntries: 0,
    reportedPeerCount: null,
    elSync: null,
    clSync: null,
    subscription: layer === 'el' ? 'inactive' : null,
    identity: null,
  }
}
