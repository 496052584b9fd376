import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'
import { clientFamilies } from './clientVersion'
import type { TrackedPeer } from './peerState'
import type { ErrorKind, Layer } from './types'

export const metricPrefix = 'peer_monitor_'

export type Metrics = ReturnType<typeof createMetrics>

/** All metrics live in their own registry (no global state). */
export function createMetrics(options: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry()
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: metricPrefix })

  const peers = new Gauge({
    name: `${metricPrefix}peers`,
    help: 'Connected peers by layer (el|cl), direction (inbound|outbound|unknown) and client family',
    labelNames: ['layer', 'direction', 'client'] as const,
    registers: [registry],
  })
  const connects = new Counter({
    name: `${metricPrefix}peer_connects_total`,
    help: 'Peers seen connecting, by layer',
    labelNames: ['layer'] as const,
    registers: [registry],
  })
  const disconnects = new Counter({
    name: `${metricPrefix}peer_disconnects_total`,
    help: 'Peers seen disconnecting, by layer',
    labelNames: ['layer'] as const,
    registers: [registry],
  })
  const sessionDuration = new Histogram({
    name: `${metricPrefix}peer_session_duration_seconds`,
    help: 'How long a peer stayed connected (as observed by the monitor), by layer',
    labelNames: ['layer'] as const,
    buckets: [10, 30, 60, 300, 900, 1800, 3600, 4 * 3600, 12 * 3600, 86400, 7 * 86400],
    registers: [registry],
  })
  const rpcDuration = new Histogram({
    name: `${metricPrefix}rpc_duration_seconds`,
    help: 'Latency of requests to the node, by layer and endpoint (JSON-RPC method or beacon API path)',
    labelNames: ['layer', 'endpoint'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  })
  const rpcErrors = new Counter({
    name: `${metricPrefix}rpc_errors_total`,
    help: 'Failed requests to the node, by layer, endpoint and kind (timeout|refused|unreachable|http|rpc|admin_disabled|malformed|oversized|closed|unknown)',
    labelNames: ['layer', 'endpoint', 'kind'] as const,
    registers: [registry],
  })
  const lastSuccess = new Gauge({
    name: `${metricPrefix}last_success_timestamp_seconds`,
    help: 'Unix time of the last fully successful update, by layer (0 = never)',
    labelNames: ['layer'] as const,
    registers: [registry],
  })
  const up = new Gauge({
    name: `${metricPrefix}up`,
    help: '1 when the last update of the layer succeeded, else 0',
    labelNames: ['layer'] as const,
    registers: [registry],
  })
  const syncing = new Gauge({
    name: `${metricPrefix}sync_syncing`,
    help: '1 when the node reports it is syncing, by layer',
    labelNames: ['layer'] as const,
    registers: [registry],
  })
  const head = new Gauge({
    name: `${metricPrefix}sync_head`,
    help: 'Head block number (el) or head slot (cl)',
    labelNames: ['layer'] as const,
    registers: [registry],
  })
  const distance = new Gauge({
    name: `${metricPrefix}sync_distance`,
    help: 'Blocks (el) or slots (cl) behind the network head as reported by the node',
    labelNames: ['layer'] as const,
    registers: [registry],
  })
  const syncOptimistic = new Gauge({
    name: `${metricPrefix}sync_optimistic`,
    help: '1 while the beacon node reports is_optimistic (/eth/v1/node/syncing), else 0; layer is always cl; absent when the node omits the field',
    labelNames: ['layer'] as const,
    registers: [registry],
  })
  const syncElOffline = new Gauge({
    name: `${metricPrefix}sync_el_offline`,
    help: '1 while the beacon node reports el_offline (/eth/v1/node/syncing), else 0; layer is always cl; absent when the node omits the field',
    labelNames: ['layer'] as const,
    registers: [registry],
  })
  const reportedPeers = new Gauge({
    name: `${metricPrefix}reported_peers`,
    help: 'Peer count as reported by the node itself (net_peerCount for el, peer_count.connected for cl)',
    labelNames: ['layer'] as const,
    registers: [registry],
  })
  const invalidEntries = new Counter({
    name: `${metricPrefix}invalid_entries_total`,
    help: 'Peer list entries skipped because they could not be parsed, by layer',
    labelNames: ['layer'] as const,
    registers: [registry],
  })
  const subscriptionActive = new Gauge({
    name: `${metricPrefix}subscription_active`,
    help: '1 while the geth peerEvents subscription is active (0 = polling only)',
    registers: [registry],
  })

  for (const layer of ['el', 'cl'] as const) {
    lastSuccess.set({ layer }, 0)
    up.set({ layer }, 0)
    connects.inc({ layer }, 0)
    disconnects.inc({ layer }, 0)
    invalidEntries.inc({ layer }, 0)
  }
  subscriptionActive.set(0)

  return {
    registry,
    peers,
    connects,
    disconnects,
    sessionDuration,
    rpcDuration,
    rpcErrors,
    lastSuccess,
    up,
    syncing,
    head,
    distance,
    syncOptimistic,
    syncElOffline,
    reportedPeers,
    invalidEntries,
    subscriptionActive,
    /** Replaces the peers gauge of a layer with counts from the current peer set. */
    setPeers(layer: Layer, current: Iterable<TrackedPeer>) {
      const counts = new Map<string, number>()
      for (const direction of ['inbound', 'outbound', 'unknown'])
        for (const client of clientFamilies) counts.set(`${direction}\u0000${client}`, 0)
      for (const { peer } of current) {
        const key = `${peer.direction}\u0000${peer.client.family}`
        counts.set(key, (counts.get(key) ?? 0) + 1)
      }
      for (const [key, n] of counts) {
        const [direction, client] = key.split('\u0000') as [string, string]
        peers.set({ layer, direction, client }, n)
      }
    },
    /** Sets a 1/0 gauge from a boolean the node may omit (null removes the series rather than guessing). */
    setFlag(gauge: Gauge<'layer'>, layer: Layer, value: boolean | null) {
      if (value === null) gauge.remove({ layer })
      else gauge.set({ layer }, value ? 1 : 0)
    },
    recordError(layer: Layer, endpoint: string, kind: ErrorKind) {
      rpcErrors.inc({ layer, endpoint, kind })
    },
  }
}
