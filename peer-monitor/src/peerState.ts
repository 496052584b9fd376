import type { Peer } from './types'

/** A peer plus the time (ms since epoch) the monitor first saw it in this session. */
export type TrackedPeer = { peer: Peer; since: number }

export type PeerDiff = {
  added: TrackedPeer[]
  removed: TrackedPeer[]
  /** Peers in both lists whose details differ (e.g. the client of a peer first seen through the subscription). */
  updated: TrackedPeer[]
  /** The new state, keyed by peer id. Existing peers keep their `since`. */
  current: Map<string, TrackedPeer>
}

/** Pure: compares the previous state with a fresh full list of peers. */
export function diffPeers(previous: ReadonlyMap<string, TrackedPeer>, next: readonly Peer[], now: number): PeerDiff {
  const current = new Map<string, TrackedPeer>()
  const added: TrackedPeer[] = []
  const updated: TrackedPeer[] = []
  for (const peer of next) {
    if (current.has(peer.id)) continue
    const old = previous.get(peer.id)
    const tracked = old && old.peer === peer ? old : { peer, since: old ? old.since : now }
    current.set(peer.id, tracked)
    if (!old) added.push(tracked)
    // The identity check first: parsers hand back the known object for an unchanged peer (reuseKnown).
    else if (old.peer !== peer && !samePeer(old.peer, peer)) updated.push(tracked)
  }
  const removed: TrackedPeer[] = []
  for (const [id, old] of previous) if (!current.has(id)) removed.push(old)
  return { added, removed, updated, current }
}

const sameStrings = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i])

/** True when two peers would print the same (every field of the output). */
export function samePeer(a: Peer, b: Peer): boolean {
  return (
    a.id === b.id &&
    a.layer === b.layer &&
    a.remoteAddress === b.remoteAddress &&
    a.direction === b.direction &&
    a.state === b.state &&
    a.enr === b.enr &&
    a.address === b.address &&
    (a.client === b.client ||
      (a.client.raw === b.client.raw && a.client.family === b.client.family && a.client.name === b.client.name && a.client.version === b.client.version && a.client.os === b.client.os)) &&
    sameStrings(a.caps, b.caps)
  )
}

/**
 * For parsers: hands back the already known Peer object when nothing about the peer changed, so the freshly
 * parsed one is garbage at once. With a stable peer set almost nothing from a poll survives a GC, which keeps
 * V8's young generation small (10,000 fresh survivors per cycle made it grow to its maximum).
 */
export function reuseKnown(known: ReadonlyMap<string, TrackedPeer>): (peer: Peer) => Peer {
  return (peer) => {
    const old = known.get(peer.id)?.peer
    return old && samePeer(old, peer) ? old : peer
  }
}
