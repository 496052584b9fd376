import type { NodeRecord } from './enr.js'
import { PeerTable } from './peerTable.js'

const node = (i: number, seq = 1n, digest?: string): NodeRecord => ({
  enr: `enr:${i}`,
  nodeId: i.toString(16).padStart(64, '0'),
  peerId: `peer-${i}`,
  seq,
  problems: [],
  ...(digest && { eth2: { forkDigest: Buffer.from(digest, 'hex'), nextForkVersion: new Uint8Array(4), nextForkEpoch: 0n } }),
})
const ids = (records: NodeRecord[]) => records.map((r) => r.enr)
const minute = 60_000

test('new nodes are due at once, in discovery order; each is handed out once until its visit ends', () => {
  const t = new PeerTable(30 * minute, () => 1)
  for (let i = 0; i < 5; i++) expect(t.observe(node(i), i)).toBe('new')
  expect(ids(t.takeDue(10, 3))).toEqual(['enr:0', 'enr:1', 'enr:2'])
  expect(ids(t.takeDue(10, 10))).toEqual(['enr:3', 'enr:4'])
  expect(t.takeDue(10_000_000, 10)).toEqual([])
})

test('a higher sequence number replaces the record, an older or equal one is ignored', () => {
  const t = new PeerTable(minute, () => 1)
  t.observe(node(1, 5n), 0)
  expect(t.observe(node(1, 5n), 1)).toBe('known')
  expect(t.observe(node(1, 4n), 1)).toBe('known')
  expect(t.observe(node(1, 6n), 1)).toBe('updated')
  expect(t.takeDue(2, 1)[0]!.seq).toBe(6n)
  expect(t.size).toBe(1)
})

test('a visited node comes back after the revisit period, not before', () => {
  const t = new PeerTable(30 * minute, () => 1)
  t.observe(node(1), 0)
  t.takeDue(0, 1)
  t.visited(node(1).nodeId, 1000)
  expect(t.takeDue(1000 + 30 * minute - 1, 1)).toEqual([])
  expect(ids(t.takeDue(1000 + 30 * minute, 1))).toEqual(['enr:1'])
})

test('a failed node is retried after its growing backoff; a success clears the backoff', () => {
  const t = new PeerTable(30 * minute, () => 1)
  t.observe(node(1), 0)
  t.takeDue(0, 1)
  expect(t.failed(node(1).nodeId, 'refused', 0)?.retryAtMs).toBe(2 * minute)
  expect(t.takeDue(2 * minute - 1, 1)).toEqual([])
  expect(ids(t.takeDue(2 * minute, 1))).toEqual(['enr:1'])
  expect(t.failed(node(1).nodeId, 'refused', 2 * minute)?.retryAtMs).toBe(2 * minute + 4 * minute)
  t.takeDue(6 * minute, 1)
  t.visited(node(1).nodeId, 6 * minute)
  t.takeDue(6 * minute + 30 * minute, 1)
  // Back to the first step after the success.
  expect(t.failed(node(1).nodeId, 'refused', 40 * minute)?.failures).toBe(1)
})

test('longest overdue first', () => {
  const t = new PeerTable(minute, () => 1)
  t.observe(node(1), 0)
  t.observe(node(2), 0)
  t.takeDue(0, 2)
  t.visited(node(1).nodeId, 500)
  t.visited(node(2).nodeId, 100)
  expect(ids(t.takeDue(10 * minute, 2))).toEqual(['enr:2', 'enr:1'])
})

test('unknown node ids are ignored', () => {
  const t = new PeerTable(minute, () => 1)
  t.visited('ff'.repeat(32), 0)
  expect(t.failed('ff'.repeat(32), 'timeout', 0)).toBeUndefined()
  expect(t.size).toBe(0)
})

test('counts by fork digest', () => {
  const t = new PeerTable(minute, () => 1)
  t.observe(node(1, 1n, 'aabbccdd'), 0)
  t.observe(node(2, 1n, 'aabbccdd'), 0)
  t.observe(node(3, 1n, '01020304'), 0)
  t.observe(node(4), 0)
  expect(Object.fromEntries(t.countByDigest())).toEqual({ aabbccdd: 2, '01020304': 1, none: 1 })
})

test('nextDueMs: the earliest due time among peers not in flight; none while all are in flight', () => {
  const t = new PeerTable(30 * minute, () => 1)
  expect(t.nextDueMs()).toBeUndefined()
  t.observe(node(1), 100)
  t.observe(node(2), 200)
  expect(t.nextDueMs()).toBe(100)
  t.takeDue(200, 10)
  expect(t.nextDueMs()).toBeUndefined()
  t.visited(node(1).nodeId, 1000)
  t.visited(node(2).nodeId, 500)
  expect(t.nextDueMs()).toBe(500 + 30 * minute)
})

test('get returns the newest record of a node, undefined for an unknown one', () => {
  const t = new PeerTable(30 * minute, () => 1)
  t.observe(node(1, 1n), 0)
  t.observe(node(1, 2n), 0)
  expect(t.get(node(1).nodeId)?.seq).toBe(2n)
  expect(t.get(node(2).nodeId)).toBeUndefined()
})
