import type { TrackedPeer } from './peerState'
import type { LayerState } from './snapshot'
import type { ClassifiedError, ClientInfo, Direction, Layer } from './types'

/** Bump when a field is removed or changes meaning; adding fields keeps the version. */
export const schemaVersion = 1

export type PeerJson = {
  id: string
  short_id: string
  remote_address: string | null
  direction: Direction
  client: ClientInfo
  caps: string[]
  state: string | null
  enr: string | null
  address: string | null
  connected_since: string
  connected_seconds: number
}

export type EventSource = 'subscription' | 'poll'

export type PeerConnectedEvent = {
  schema_version: number
  event: 'peer_connected'
  ts: string
  layer: Layer
  source: EventSource
  peer: PeerJson
}

export type PeerDisconnectedEvent = {
  schema_version: number
  event: 'peer_disconnected'
  ts: string
  layer: Layer
  source: EventSource
  reason: string | null
  session_seconds: number
  peer: PeerJson
}

/** A known peer whose details changed, e.g. the client name of a peer first seen through the subscription. */
export type PeerUpdatedEvent = {
  schema_version: number
  event: 'peer_updated'
  ts: string
  layer: Layer
  source: 'poll'
  peer: PeerJson
}

export type ElSyncJson = { syncing: boolean; head_block: number; highest_block: number; distance: number }
export type ClSyncJson = { syncing: boolean; head_slot: number; distance: number; is_optimistic: boolean | null; el_offline: boolean | null }

export type LayerJson = {
  status: LayerState['status']
  last_success: string | null
  error: (ClassifiedError & { at: string | null }) | null
  peer_count: number
  reported_peer_count: number | null
  invalid_entries: number
  subscription: LayerState['subscription']
  sync: ElSyncJson | ClSyncJson | null
  identity: { peer_id: string; enr: string | null } | null
  peers: PeerJson[]
}

/** `interval`: every --snapshot-interval; `request`: GET /peers; `signal`: SIGUSR2. */
export type SnapshotTrigger = 'interval' | 'request' | 'signal'

export type SnapshotEvent = {
  schema_version: number
  event: 'snapshot'
  ts: string
  trigger: SnapshotTrigger
  el: LayerJson
  cl: LayerJson
}

export type OutputEvent = PeerConnectedEvent | PeerDisconnectedEvent | PeerUpdatedEvent | SnapshotEvent

const iso = (ms: number) => new Date(ms).toISOString()

export function shortId(layer: Layer, id: string): string {
  return layer === 'el' ? id.slice(0, 8) : id.slice(-8)
}

export function peerToJson(t: TrackedPeer, now: number): PeerJson {
  const p = t.peer
  return {
    id: p.id,
    short_id: shortId(p.layer, p.id),
    remote_address: p.remoteAddress,
    direction: p.direction,
    client: p.client,
    caps: p.caps,
    state: p.state,
    enr: p.enr,
    address: p.address,
    connected_since: iso(t.since),
    connected_seconds: Math.max(0, Math.round((now - t.since) / 1000)),
  }
}

export function peerConnectedEvent(t: TrackedPeer, source: EventSource, now: number): PeerConnectedEvent {
  return { schema_version: schemaVersion, event: 'peer_connected', ts: iso(now), layer: t.peer.layer, source, peer: peerToJson(t, now) }
}

export function peerDisconnectedEvent(t: TrackedPeer, source: EventSource, reason: string | null, now: number): PeerDisconnectedEvent {
  const peer = peerToJson(t, now)
  return {
    schema_version: schemaVersion,
    event: 'peer_disconnected',
    ts: iso(now),
    layer: t.peer.layer,
    source,
    reason,
    session_seconds: Math.max(0, (now - t.since) / 1000),
    peer,
  }
}

export function peerUpdatedEvent(t: TrackedPeer, now: number): PeerUpdatedEvent {
  return { schema_version: schemaVersion, event: 'peer_updated', ts: iso(now), layer: t.peer.layer, source: 'poll', peer: peerToJson(t, now) }
}

export type LayerMetaJson = Omit<LayerJson, 'peers'>

/** Everything of a layer but its peers, with `peer_count` given by the caller. */
function layerMeta(s: LayerState, peerCount: number): LayerMetaJson {
  const sync: LayerJson['sync'] =
    s.layer === 'el'
      ? s.elSync && { syncing: s.elSync.syncing, head_block: s.elSync.head, highest_block: s.elSync.highest, distance: s.elSync.distance }
      : s.clSync && { syncing: s.clSync.syncing, head_slot: s.clSync.headSlot, distance: s.clSync.distance, is_optimistic: s.clSync.isOptimistic, el_offline: s.clSync.elOffline }
  return {
    status: s.status,
    last_success: s.lastSuccess === null ? null : iso(s.lastSuccess),
    error: s.lastError && s.status === 'error' ? { ...s.lastError, at: s.lastErrorAt === null ? null : iso(s.lastErrorAt) } : null,
    peer_count: peerCount,
    reported_peer_count: s.reportedPeerCount,
    invalid_entries: s.invalidEntries,
    subscription: s.subscription,
    sync,
    identity: s.identity && { peer_id: s.identity.peerId, enr: s.identity.enr },
  }
}

export function layerToJson(s: LayerState, now: number): LayerJson {
  const peers: PeerJson[] = []
  for (const t of s.peers.values()) peers.push(peerToJson(t, now))
  return { ...layerMeta(s, peers.length), peers }
}

export function snapshotEvent(el: LayerState, cl: LayerState, trigger: SnapshotTrigger, now: number): SnapshotEvent {
  return { schema_version: schemaVersion, event: 'snapshot', ts: iso(now), trigger, el: layerToJson(el, now), cl: layerToJson(cl, now) }
}

/** Text pieces are flushed once they reach about this many characters. */
export const snapshotChunkChars = 64 * 1024

/**
 * A snapshot event as text, in pieces of about `chunkChars`: exactly `formatEvent(snapshotEvent(...), format)`
 * once joined, but without building the whole string, the PeerJson array or (for the table) all rows at
 * once — at 10,000 peers a snapshot is ~5 MB of JSON per layer. The peer lists are captured (references
 * only) when the generator starts, so a layer that changes while a slow HTTP client reads still gives a
 * consistent snapshot.
 */
export function* snapshotChunks(el: LayerState, cl: LayerState, trigger: SnapshotTrigger, now: number, format: OutputFormat, chunkChars = snapshotChunkChars): Generator<string, void, undefined> {
  const layersIn = [
    { layer: 'el' as const, state: el, peers: [...el.peers.values()] },
    { layer: 'cl' as const, state: cl, peers: [...cl.peers.values()] },
  ]
  let buf = ''
  const ts = iso(now)
  if (format === 'json') {
    buf = `{"schema_version":${schemaVersion},"event":"snapshot","ts":${JSON.stringify(ts)},"trigger":${JSON.stringify(trigger)}`
    for (const { layer, state, peers } of layersIn) {
      const meta = JSON.stringify(layerMeta(state, peers.length))
      buf += `,"${layer}":${meta.slice(0, -1)},"peers":[`
      for (let i = 0; i < peers.length; i++) {
        buf += (i === 0 ? '' : ',') + JSON.stringify(peerToJson(peers[i]!, now))
        if (buf.length >= chunkChars) {
          yield buf
          buf = ''
        }
      }
      buf += ']}'
    }
    yield `${buf}}\n`
    return
  }
  buf = `=== ${ts} snapshot (${trigger}) ===`
  for (const { layer, state, peers } of layersIn) {
    buf += `\n${layerHeader(layer, layerMeta(state, peers.length))}`
    if (peers.length === 0) continue
    // Two passes (column widths, then lines) so that no list of rows is kept.
    const widths = headers.map((h) => h.length)
    for (const t of peers) peerRow(peerToJson(t, now)).forEach((cell, i) => (widths[i] = Math.max(widths[i]!, cell.length)))
    const line = (row: readonly string[]) => `\n  ${row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd()}`
    buf += line(headers)
    for (const t of peers) {
      buf += line(peerRow(peerToJson(t, now)))
      if (buf.length >= chunkChars) {
        yield buf
        buf = ''
      }
    }
  }
  yield `${buf}\n\n`
}

/** One JSON object per line. */
export function formatJsonLine(event: OutputEvent): string {
  return `${JSON.stringify(event)}\n`
}

/** "45s", "5m03s", "2h05m", "3d04h". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds))
  const pad = (n: number) => String(n).padStart(2, '0')
  if (s < 60) return `${s}s`
  if (s < 3600) return `${Math.floor(s / 60)}m${pad(s % 60)}s`
  if (s < 86400) return `${Math.floor(s / 3600)}h${pad(Math.floor((s % 3600) / 60))}m`
  return `${Math.floor(s / 86400)}d${pad(Math.floor((s % 86400) / 3600))}h`
}

const clip = (s: string, max: number) => (s.length > max ? `${s.slice(0, max - 1)}~` : s)

function clientLabel(c: ClientInfo): string {
  return c.family === 'unknown' && c.name ? `unknown(${clip(c.name, 16)})` : c.family
}

function peerLine(layer: Layer, p: PeerJson): string {
  return `${layer.toUpperCase()} ${p.short_id} ${p.remote_address ?? '-'} ${clientLabel(p.client)} ${p.client.version ?? '-'} ${p.direction}`
}

const headers = ['ID', 'REMOTE', 'CLIENT', 'VERSION', 'OS', 'DIR', 'CAPS/STATE', 'CONNECTED'] as const
const maxWidths = [8, 46, 20, 24, 24, 8, 40, 9]

function peerRow(p: PeerJson): string[] {
  return [
    p.short_id,
    p.remote_address ?? '-',
    clientLabel(p.client),
    p.client.version ?? '-',
    p.client.os ?? '-',
    p.direction,
    p.caps.length > 0 ? p.caps.join(',') : (p.state ?? '-'),
    formatDuration(p.connected_seconds),
  ].map((v, i) => clip(v, maxWidths[i]!))
}

/** Aligns rows into columns separated by two spaces. */
export function formatColumns(rows: string[][]): string[] {
  const widths: number[] = []
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)))
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd())
}

function layerHeader(layer: Layer, l: LayerMetaJson): string {
  const parts = [`${layer.toUpperCase()} peers: ${l.peer_count}`, `status: ${l.status}`]
  if (l.reported_peer_count !== null) parts.push(`reported: ${l.reported_peer_count}`)
  if (l.sync) {
    const head = 'head_block' in l.sync ? `block ${l.sync.head_block}` : `slot ${l.sync.head_slot}`
    parts.push(l.sync.syncing ? `syncing (${head}, ${l.sync.distance} behind)` : `in sync (${head})`)
  }
  if (l.subscription) parts.push(`subscription: ${l.subscription}`)
  if (l.invalid_entries > 0) parts.push(`invalid entries: ${l.invalid_entries}`)
  if (l.error) parts.push(`error: ${l.error.kind}: ${l.error.message}${l.error.hint ? ` (hint: ${l.error.hint})` : ''}`)
  return parts.join(' | ')
}

/** Human-readable rendering of any event for terminals. */
export function formatTable(event: OutputEvent): string {
  switch (event.event) {
    case 'peer_connected':
      return `${event.ts} + ${peerLine(event.layer, event.peer)} (${event.source})\n`
    case 'peer_disconnected':
      return `${event.ts} - ${peerLine(event.layer, event.peer)} after ${formatDuration(event.session_seconds)}${event.reason ? ` (${event.reason})` : ''}\n`
    case 'peer_updated':
      return `${event.ts} ~ ${peerLine(event.layer, event.peer)} (updated)\n`
    case 'snapshot': {
      const lines = [`=== ${event.ts} snapshot (${event.trigger}) ===`]
      for (const layer of ['el', 'cl'] as const) {
        const l = event[layer]
        lines.push(layerHeader(layer, l))
        if (l.peers.length > 0) {
          const rows = [[...headers], ...l.peers.map(peerRow)]
          for (const line of formatColumns(rows)) lines.push(`  ${line}`)
        }
      }
      return `${lines.join('\n')}\n\n`
    }
  }
}

export type OutputFormat = 'table' | 'json'

export function formatEvent(event: OutputEvent, format: OutputFormat): string {
  return format === 'json' ? formatJsonLine(event) : formatTable(event)
}
