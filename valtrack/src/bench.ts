/**
 * `npm run bench`: throughput of the pure foundation the sentry's hot paths run on, each case for about a
 * second of wall time (operations per second), then discovery over a synthetic DHT (benchDiscovery.ts;
 * `npm run bench -- 2000` sets its size, default 1,000), the sentry's memory (benchMemory.ts), and the consumer
 * (consumer/benchConsumer.ts: 100,000 events through nats-server, durable acks: one consumer, then two under
 * one durable name, on a backlog; one consumer live). Handshakes against Prysm come
 * with the dialer.
 */
import { benchDiscovery } from './benchDiscovery.js'
import { benchConsumer } from './consumer/benchConsumer.js'
import { benchMemory } from './benchMemory.js'
import { bootnodes } from './discovery/bootnodes.js'
import { parseEnr } from './discovery/enr.js'
import { forkSchedule } from './forks.js'
import { computeSubscribedSubnets } from './inference/subnets.js'
import { builtinNetwork } from './networks.js'
import { decodeResponse, encodeResponse } from './p2p/codec.js'
import { bodyBounds, decodeStatus, encodeStatus } from './p2p/messages.js'

function measure(name: string, op: (i: number) => unknown): void {
  let n = 0
  const start = performance.now()
  while (performance.now() - start < 1000) for (let k = 0; k < 100; k++) op(n++)
  const seconds = (performance.now() - start) / 1000
  console.log(`${name.padEnd(48)} ${Math.round(n / seconds).toLocaleString('en-US').padStart(12)} ops/s`)
}

const status = { forkDigest: new Uint8Array(4), finalizedRoot: new Uint8Array(32).fill(1), finalizedEpoch: 400_000, headRoot: new Uint8Array(32).fill(2), headSlot: 12_800_000, earliestAvailableSlot: 0 }
const statusWire = encodeResponse(encodeStatus(2, status))
const bounds = bodyBounds('status', 2, 'response')
const big = new Uint8Array(100_000).map((_, i) => (i * 7) % 251)
const bigWire = encodeResponse(big)
const enrs = Object.values(bootnodes).flat()
const at = forkSchedule(builtinNetwork('mainnet'))
const nodeId = 0x3abe78024aa8a8160859d6c5d323080076a497ab627cc7b0fce3b9f8ac999e94n

measure('status/2 response: encode', () => encodeResponse(encodeStatus(2, status)))
measure('status/2 response: decode + parse', () => decodeStatus(2, decodeResponse(statusWire, bounds).ssz))
measure('100 kB response: decode', () => decodeResponse(bigWire, { minBytes: 0, maxBytes: 100_000 }))
measure('ENR: decode, verify signature, read fields', (i) => parseEnr(enrs[i % enrs.length]!))
measure('compute_subscribed_subnets (many nodes, one epoch)', (i) => computeSubscribedSubnets(nodeId ^ BigInt(i), 420_000))
measure('fork digest at a time (mainnet)', (i) => at(Date.UTC(2026, 0, 1) + i * 1000))
console.log(`RSS ${Math.round(process.memoryUsage().rss / 2 ** 20)} MiB`)
await benchDiscovery(Number(process.argv[2] ?? 1000))
await benchMemory(10_000, 30)
await benchConsumer(100_000, 20_000)
