/**
 * `valtrack consumer` as a process: the Consumer on `--nats` (logged in with `--nats-user` and
 * `--nats-password-file` when given), `/metrics` and `/healthz` on `--metrics-addr`,
 * with `--api` also the read-only API over its own data dir (as `valtrack api`), SIGTERM/SIGINT: stop
 * fetching, flush and acknowledge what was consumed, disconnect (a watchdog exits 1 after 10 s). The instance
 * id (in part names) is the host name, so that a restarted instance removes its own leftover `.tmp` files at
 * once.
 */
import { mkdir } from 'node:fs/promises'
import { hostname } from 'node:os'
import type { GlobalOptions, HostPort } from '../cli.js'
import { startHttpServer } from '../httpServer.js'
import { createLogger, type Logger } from '../logger.js'
import type { ApiStartFailure, ServingApi } from '../query/run.js'
import { armStopWatchdog, stopSignal } from '../shutdown.js'
import { loadNatsAuth, type NatsAuth, NatsAuthError } from '../sinks/natsSink.js'
import { defaultStreamSettings } from '../sinks/streamConfig.js'
import { Consumer } from './consumer.js'
import { createConsumerMetrics } from './metrics.js'

export type ConsumerRunOptions = {
  name: string
  dataDir: string
  metricsAddr: HostPort
  /** Serve the read-only API over dataDir here; undefined: off. */
  api?: HostPort | undefined
  apiTokenFile?: string | undefined
}

type Env = Record<string, string | undefined>

const STOP_DEADLINE_MS = 10_000

/** Pure: a part-name-safe instance id from a host name. */
export const instanceIdOf = (host: string): string => host.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 48) || 'consumer'

/** The API of --api, as `valtrack api` starts it. Imported only then: DuckDB's native binding is for readers. */
async function startApi(listen: HostPort, options: ConsumerRunOptions, env: Env, logger: Logger): Promise<ServingApi | ApiStartFailure> {
  const { serveApi } = await import('../query/run.js')
  return serveApi({ listen, dataDir: options.dataDir, tokenFile: options.apiTokenFile }, env, '--api', (line) => logger.warn('api request failed', { detail: line }))
}

export async function runConsumer(global: GlobalOptions, options: ConsumerRunOptions, env: Env = process.env): Promise<number> {
  if (global.natsUrls.length === 0) {
    process.stderr.write('valtrack consumer: needs --nats <url> (or NATS_URL): the JetStream server to consume from\n')
    return 2
  }
  // The NATS password file (exit 2 when unusable) and the API (a bad token is exit 2, a taken address exit 1)
  // first: either stops the start before anything connects.
  let auth: NatsAuth | undefined
  try {
    auth = await loadNatsAuth(global.natsAuth)
  } catch (e) {
    if (!(e instanceof NatsAuthError)) throw e
    process.stderr.write(`valtrack consumer: ${e.message}\n`)
    return 2
  }
  const logger = createLogger(global.logLevel)
  const api = options.api && (await startApi(options.api, options, env, logger))
  if (api && !api.ok) {
    process.stderr.write(`valtrack consumer: ${api.message}\n`)
    return api.exitCode
  }
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
      streamSettings: { ...defaultStreamSettings, replicas: global.streamReplicas },
      auth,
      onFlush: (ms) => metrics.flushSeconds.observe(ms / 1000),
    })
    const c = consumer
    http = await startHttpServer(options.metricsAddr, metrics.registry, () => ({ ok: c.stats.connected && !c.stats.writeBlocked, ...c.stats }))
  } catch (e) {
    process.stderr.write(`valtrack consumer: failed to start: ${(e as Error).message}\n`)
    await consumer?.stop()
    await api?.close()
    return 1
  }
  const apiAddr = api && options.api ? `${options.api.host}:${api.port} (bearer token ${api.tokenRequired ? 'required' : 'not required'})` : 'off'
  logger.info('consumer started', { name: options.name, data_dir: options.dataDir, metrics: `${options.metricsAddr.host}:${http.port}`, api: apiAddr })
  logger.info('shutting down', { signal: await stopSignal() })
  armStopWatchdog(logger, STOP_DEADLINE_MS)
  await consumer.stop()
  await http.close()
  await api?.close()
  logger.info('consumer stopped', { ...consumer.stats })
  return 0
}
