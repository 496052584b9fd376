/**
 * The consumer's Prometheus metrics, read from the Consumer at scrape time (its counters are the one record),
 * plus the flush latency histogram it reports through `onFlush`, and the lag the server reports.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'
import { metricPrefix } from '../metrics.js'
import type { Consumer } from './consumer.js'
import { FILE_KINDS } from './schema.js'

export function createConsumerMetrics(consumer: () => Consumer | undefined, options: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry()
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: metricPrefix })
  const registers = [registry]
  const mirrored = (name: string, help: string, read: (c: Consumer) => number) =>
    new Counter({
      name: `${metricPrefix}consumer_${name}`,
      help,
      registers,
      collect() {
        const c = consumer()
        this.reset()
        if (c) this.inc(read(c))
      },
    })
  mirrored('consumed_total', 'Messages fetched from the stream', (c) => c.stats.consumed)
  mirrored('acked_total', 'Messages acknowledged (after their rows were durably on disk)', (c) => c.stats.acked)
  mirrored('redeliveries_total', 'Messages the server delivered again', (c) => c.stats.redeliveries)
  mirrored('duplicates_total', 'Messages whose rows were already on disk or buffered (acknowledged, not written again)', (c) => c.stats.duplicates)
  mirrored('dead_letters_total', 'Malformed messages set aside in dead_letters.jsonl and acknowledged', (c) => c.stats.deadLetters)
  mirrored('flush_failures_total', 'Failed part writes (e.g. disk full); nothing is acknowledged until one succeeds', (c) => c.stats.flushFailures)
  new Counter({
    name: `${metricPrefix}consumer_rows_written_total`,
    help: 'Rows in finalised parts, by file',
    labelNames: ['file'] as const,
    registers,
    collect() {
      const c = consumer()
      this.reset()
      if (c) for (const file of FILE_KINDS) this.inc({ file }, c.stats.rowsWritten[file])
    },
  })
  new Gauge({
    name: `${metricPrefix}consumer_unacked`,
    help: 'Messages consumed and not yet acknowledged (rows buffered, not yet durable)',
    registers,
    collect() {
      this.set(consumer()?.unacked ?? 0)
    },
  })
  new Gauge({
    name: `${metricPrefix}consumer_nats_connected`,
    help: '1 while connected to NATS, 0 while not (reconnecting or retrying its start)',
    registers,
    collect() {
      this.set(consumer()?.stats.connected ? 1 : 0)
    },
  })
  new Gauge({
    name: `${metricPrefix}consumer_write_blocked`,
    help: '1 while part writes fail (e.g. disk full)',
    registers,
    collect() {
      this.set(consumer()?.stats.writeBlocked ? 1 : 0)
    },
  })
  new Gauge({
    name: `${metricPrefix}consumer_lag`,
    help: 'As the server reports it: messages not yet delivered (state="pending") and delivered but unacknowledged (state="ack_pending")',
    labelNames: ['state'] as const,
    registers,
    async collect() {
      const lag = await consumer()?.lag()
      this.reset()
      if (lag) {
        this.set({ state: 'pending' }, lag.pending)
        this.set({ state: 'ack_pending' }, lag.ackPending)
      }
    },
  })
  const flushSeconds = new Histogram({
    name: `${metricPrefix}consumer_flush_seconds`,
    help: 'Writing and fsyncing the parts of one flush (the wait before its messages are acknowledged)',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers,
  })
  return { registry, flushSeconds }
}
