/**
 * `valtrack sentry` as a process: the network from the flags (built in, or a devnet's config.yaml and
 * genesis.ssz), with --bootnode-from a beacon node's own ENR added to the bootnodes (asked at start until it
 * answers), the sink (NATS with --nats, logged in with --nats-user and --nats-password-file when given, else
 * JSON-lines files), the sentry, the /metrics endpoint, and SIGTERM/SIGINT: stop within 5 s, flushing what the
 * sink buffered (a watchdog exits at 5 s whatever hangs). Start-up problems are one line on stderr and exit
 * code 1; an unusable NATS password file is exit 2, before anything starts.
 */
import { mkdir, readFile } from 'node:fs/promises'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { GlobalOptions, SentryOptions } from '../cli.js'
import { systemClock } from '../clock.js'
import { fetchBeaconEnr } from '../discovery/beaconIdentity.js'
import { startHttpServer } from '../httpServer.js'
import { createLogger, type Logger } from '../logger.js'
import { armStopWatchdog, stopSignal } from '../shutdown.js'
import { builtinNetwork, customNetwork, genesisFromState, type Network } from '../networks.js'
import { openJsonLinesSink } from '../sinks/jsonLinesSink.js'
import { loadNatsAuth, type NatsAuth, NatsAuthError, startNatsSink } from '../sinks/natsSink.js'
import type { EventSink } from '../sinks/sink.js'
import { startSentry } from './sentry.js'

/** SIGTERM to exit: the issue's bound. The sentry's own stop gets most of it; the rest is the watchdog's margin. */
export const STOP_DEADLINE_MS = 5_000
const SENTRY_STOP_MS = 4_000

class StartError extends Error {}

/** `extraBootnodes` (the --bootnode-from node's) count as bootnodes of a custom network too. */
export async function loadNetwork(options: SentryOptions, extraBootnodes: string[] = []): Promise<Network> {
  if (options.network.kind === 'builtin') return builtinNetwork(options.network.name)
  const { configPath, genesisPath } = options.network
  const [yaml, state] = await Promise.all([
    readFile(configPath, 'utf8').catch((e: Error) => Promise.reject(new StartError(`cannot read --config ${configPath}: ${e.message}`))),
    readFile(genesisPath).catch((e: Error) => Promise.reject(new StartError(`cannot read --genesis ${genesisPath}: ${e.message}`))),
  ])
  const genesis = genesisFromState(state)
  if (!genesis.ok) throw new StartError(`--genesis ${genesisPath}: ${genesis.error}`)
  const network = customNetwork(yaml, genesis.value, options.bootnodes ?? [])
  if (!network.ok) throw new StartError(`--config ${configPath}: ${network.error}`)
  if (network.value.bootnodes.length === 0 && extraBootnodes.length === 0) {
    throw new StartError('a custom network has no built-in bootnodes: give --bootnodes enr:...,enr:... or --bootnode-from <beacon API>')
  }
  return network.value
}

/** Pure: the bootnodes the sentry starts from: the override or the network's, then the --bootnode-from node's (once). */
export function startBootnodes(options: Pick<SentryOptions, 'bootnodes'>, network: Pick<Network, 'bootnodes'>, extra: string[]): string[] {
  return [...new Set([...(options.bootnodes ?? network.bootnodes), ...extra])]
}

async function openSink(global: GlobalOptions, options: SentryOptions, logger: Logger, auth: NatsAuth | undefined): Promise<EventSink> {
  if (global.natsUrls.length > 0) return startNatsSink({ servers: global.natsUrls, logger, stream: { replicas: global.streamReplicas }, auth })
  await mkdir(options.dataDir, { recursive: true })
  return openJsonLinesSink(options.dataDir, { logger })
}

/** Runs until a signal; resolves with the exit code. */
export async function runSentry(global: GlobalOptions, options: SentryOptions): Promise<number> {
  const logger = createLogger(global.logLevel)
  let auth: NatsAuth | undefined
  try {
    auth = await loadNatsAuth(global.natsAuth)
  } catch (e) {
    if (!(e instanceof NatsAuthError)) throw e
    process.stderr.write(`valtrack sentry: ${e.message}\n`)
    return 2
  }
  // From the start: a stop signal while waiting for the beacon node ends the wait.
  const stopping = new AbortController()
  const stop = stopSignal().then((signal) => {
    stopping.abort(new Error(`stopped by ${signal} during start-up`))
    return signal
  })
  let sentry: Awaited<ReturnType<typeof startSentry>>
  let http: Awaited<ReturnType<typeof startHttpServer>>
  try {
    const fromBeacon: string[] = []
    if (options.bootnodeFrom !== undefined) {
      const identity = await fetchBeaconEnr(options.bootnodeFrom, { logger, signal: stopping.signal }).catch((e: Error) => {
        throw stopping.signal.aborted ? e : new StartError(e.message)
      })
      logger.info('bootnode from the beacon node', { url: options.bootnodeFrom, peer_id: identity.peerId, enr: identity.enr })
      fromBeacon.push(identity.enr)
    }
    const network = await loadNetwork(options, fromBeacon)
    const sink = await openSink(global, options, logger, auth)
    sentry = await startSentry(
      {
        network,
        bootnodes: startBootnodes(options, network, fromBeacon),
        dialConcurrency: options.dialConcurrency,
        dialTimeoutMs: options.dialTimeoutMs,
        revisitPeriodMs: options.revisitPeriodMs,
        listenIp: options.listenIp,
        ...(options.externalIp !== undefined && { externalIp: options.externalIp }),
        p2pTcpPort: options.p2pTcpPort,
        discv5Port: options.discv5Port,
        crawlerLocation: options.crawlerLocation,
      },
      { privateKey: await generateKeyPair('secp256k1'), clock: systemClock, random: Math.random, logger, sink },
    )
    http = await startHttpServer(options.metricsAddr, sentry.metrics.registry, sentry.health).catch((e: Error) => {
      throw new StartError(`cannot listen on --metrics-addr ${options.metricsAddr.host}:${options.metricsAddr.port}: ${e.message}`)
    })
    logger.info('metrics listening', { addr: `${options.metricsAddr.host}:${http.port}`, enr: sentry.enr() })
  } catch (e) {
    if (stopping.signal.aborted) {
      logger.info('stopped during start-up', { error: (e as Error).message })
      return 0
    }
    process.stderr.write(`valtrack sentry: ${e instanceof StartError ? e.message : `failed to start: ${(e as Error).message}`}\n`)
    return 1
  }
  logger.info('shutting down', { signal: await stop })
  armStopWatchdog(logger, STOP_DEADLINE_MS)
  await sentry.stop(SENTRY_STOP_MS)
  await http.close()
  return 0
}
