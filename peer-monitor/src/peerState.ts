import type { Peer } from './types'

/** A peer plus the time (ms since epoch) the monitor first saw it in this session. */
export type TrackedPeer = { peer: Peer; since: number }

export type PeerDiff = {
  added: TrackedPeer[]
  removed: TrackedPeer[]
  /** The new state, keyed by peer id. Existing peers keep their `since`. */
  current: Map<string, TrackedPeer>
}

/** Pure: compares the previous state with a fresh full list of peers. */
export function diffPeers(previous: ReadonlyMap<string, TrackedPeer>, next: readonly Peer[], now: number): PeerDiff {
  const current = new Map<string, TrackedPeer>()
  const added: TrackedPeer[] = []
  for (const peer of next) {
    if (current.has(peer.id)) continue
    const old = previous.get(peer.id)
    const tracked = { peer, since: old ? old.since : now }
    current.set(peer.id, tracked)
    if (!old) added.push(tracked)
  }
  const removed: TrackedPeer[] = []
  for (const [id, old] of previous) if (!current.has(id)) removed.push(old)
  return { added, removed, current }
}
