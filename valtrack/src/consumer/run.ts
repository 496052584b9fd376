/**
 * `valtrack consumer` as a process: the Consumer on `--nats`, `/metrics` and `/healthz` on `--metrics-addr`,
 * SIGTERM/SIGINT: stop fetching, flush and acknowledge what was consumed, disconnect (a watchdog exits 1 after
 * 10 s). The instance id (in part names) is the host name, so that a restarted instance removes its own
 * leftover `.tmp` files at once.
 */
import { mkdir } from 'node:fs/promises'
import { hostname } from 'node:os'
import type { GlobalOptions, HostPort } from '../cli.js'
import { startHttpServer } from '../httpServer.js'
import { createLogger } from '../logger.js'
import { armStopWatchdog, stopSignal } from '../shutdown.js'
import { Consumer } from './consumer.js'
import { createConsumerMetrics } from './metrics.js'

export type ConsumerRunOptions = { name: string; dataDir: string; metricsAddr: HostPort }

const STOP_DEADLINE_MS = 10_000

/** Pure: a part-name-safe instance id from a host name. */
export const instanceIdOf = (host: string): string => host.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 48) || 'consumer'

export async function runConsumer(global: GlobalOptions, options: ConsumerRunOptions): Promise<number> {
  if (global.natsUrls.length === 0) {
    process.stderr.write('valtrack consumer: needs --nats <url> (or NATS_URL): the JetStream server to consume from\n')
    return 2
  }
  const logger = createLogger(global.logLevel)
  let consumer: Consumer | undefined
  const metrics = createConsumerMetrics(() => consumer)
  let http
  try {
    await mkdir(options.dataDir, { recursive: true })
    consumer = await Consumer.start({
      servers: global.natsUrls,
      name: options.name,
      dataDir: options.dataDir,
      instanceId: instanceIdOf(hostname()),
      logger,
      onFlush: (ms) => metrics.flushSeconds.observe(ms / 1000),
    })
    const c = consumer
    http = await startHttpServer(options.metricsAddr, metrics.registry, () => ({ ok: c.stats.connected && !c.stats.writeBlocked, ...c.stats }))
  } catch (e) {
    process.stderr.write(`valtrack consumer: failed to start: ${(e as Error).message}\n`)
    await consumer?.stop()
    return 1
  }
  logger.info('consumer started', { name: options.name, data_dir: options.dataDir, metrics: `${options.metricsAddr.host}:${http.port}` })
  logger.info('shutting down', { signal: await stopSignal() })
  armStopWatchdog(logger, STOP_DEADLINE_MS)
  await consumer.stop()
  await http.close()
  logger.info('consumer stopped', { ...consumer.stats })
  return 0
}
