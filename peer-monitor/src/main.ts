#!/usr/bin/env node
import { getHeapStatistics } from 'node:v8'
import { App } from './app'
import { parseConfig } from './config'

async function main(): Promise<void> {
  const parsed = parseConfig(process.argv.slice(2), process.env, process.stdout.isTTY === true, getHeapStatistics().heap_size_limit)
  if (parsed.kind === 'help') {
    process.stdout.write(parsed.text)
    return
  }
  if (parsed.kind === 'error') {
    process.stderr.write(`eth-peer-monitor: ${parsed.message}\n`)
    process.exitCode = 2
    return
  }
  const app = new App(parsed.config)
  let stopping = false
  const shutdown = (signal: string) => {
    if (stopping) return
    stopping = true
    app.logger.info('shutting down', { signal })
    // Hard limit: never take more than 4 s to exit.
    setTimeout(() => process.exit(0), 4000).unref()
    app.stop().then(
      () => process.exit(0),
      (e: unknown) => {
        app.logger.error('error during shutdown', { error: String(e) })
        process.exit(0)
      },
    )
  }
  process.on('SIGTERM', () => shutdown('SIGTERM'))
  process.on('SIGINT', () => shutdown('SIGINT'))
  // A snapshot on demand (`docker kill --signal USR2 ...`). Not SIGUSR1: node reserves it for the inspector.
  process.on('SIGUSR2', () => app.snapshot('signal'))
  // A closed stdout (e.g. `| head`) must not crash the service.
  process.stdout.on('error', () => {})
  try {
    await app.start()
  } catch (e) {
    app.logger.error('failed to start', { error: (e as Error).message })
    await app.stop().catch(() => {})
    process.exit(1)
  }
}

void main()
