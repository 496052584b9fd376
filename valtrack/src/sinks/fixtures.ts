/** Events for the sinks' tests: valid by the schema, distinct by `n`. */
import type { MetadataReceivedEvent, PeerDiscoveredEvent } from '../events.js'

export function discoveredEvent(n: number): PeerDiscoveredEvent {
  return {
    schema_version: 1,
    enr: `enr:-test-${n}`,
    id: `16Uiu2HAm-test-${n}`,
    node_id: n.toString(16).padStart(64, '0'),
    ip: '192.0.2.1',
    port: 9000,
    fork_digest: '0x6a95a1a9',
    attnets: '0x0000000000000003',
    syncnets: '0x00',
    custody_group_count: 4,
    enr_problems: [],
    crawler_id: 'test-crawler',
    crawler_location: 'test',
    timestamp: 1_700_000_000_000 + n,
  }
}

export function metadataEvent(n: number): MetadataReceivedEvent {
  return {
    schema_version: 1,
    enr: `enr:-test-${n}`,
    id: `16Uiu2HAm-test-${n}`,
    node_id: n.toString(16).padStart(64, '0'),
    multiaddr: '/ip4/192.0.2.1/tcp/9000',
    epoch: 100,
    metadata: { seq_number: n, attnets: '0x0000000000000003', syncnets: '0x00' },
    subscribed_subnets: [0, 1, 17],
    client_version: 'Prysm/v7.1.2/test',
    fork_digest: '0x6a95a1a9',
    head_slot: 3_200,
    finalized_epoch: 98,
    custody_group_count: 4,
    protocols: { status: 'status/2', metadata: 'metadata/3' },
    direction: 'outbound',
    handshake_latency_ms: 42,
    crawler_id: 'test-crawler',
    crawler_location: 'test',
    timestamp: 1_700_000_000_000 + n,
  }
}
