#!/usr/bin/env -S node --max-semi-space-size=4
/**
 * The `valtrack` binary: `valtrack sentry` runs the sentry (sentry/run.ts); `valtrack query` and `valtrack api`
 * read the parquet files (query/run.ts); `valtrack consumer` writes them (consumer/run.ts).
 */
import { spawn } from 'node:child_process'
import { constants } from 'node:os'
import { parseCli } from './cli.js'
import { relaunchArgs } from './nodeFlags.js'
import { runSentry } from './sentry/run.js'

/**
 * Runs node again with these arguments (stdio shared), passes SIGTERM, SIGINT and SIGHUP on, and resolves to
 * its exit status (128 + the signal's number if a signal ended it). In a process group of its own, so that a
 * terminal's Ctrl-C reaches it once, from here (a second SIGINT would end it without flushing: shutdown.ts).
 */
function relaunch(args: string[]): Promise<number> {
  const child = spawn(process.execPath, args, { stdio: 'inherit', detached: true })
  const signals = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const
  for (const s of signals) process.on(s, () => child.kill(s))
  return new Promise((resolve) => {
    child.once('error', (e) => {
      process.stderr.write(`valtrack: cannot run node again with the consumer's flags: ${e.message}\n`)
      resolve(1)
    })
    child.once('exit', (code, signal) => resolve(code ?? 128 + (signal ? constants.signals[signal] : 0)))
  })
}

const result = parseCli(process.argv.slice(2), process.env)
switch (result.kind) {
  case 'help':
    process.stdout.write(result.text)
    break
  case 'error':
    process.stderr.write(`valtrack: ${result.message}\n`)
    process.exitCode = 2
    break
  case 'sentry':
    // Exit once stopped: the sink is flushed by then, and nothing a library left scheduled may delay the exit.
    process.exit(await runSentry(result.global, result.options))
    break
  case 'query': {
    // Imported here: DuckDB's native binding is loaded only by the commands that use it.
    const { runQuery } = await import('./query/run.js')
    process.exitCode = await runQuery(result.options)
    break
  }
  case 'api': {
    const { runApi } = await import('./query/run.js')
    process.exit(await runApi(result.global, result.options))
    break
  }
  case 'consumer': {
    // Its own V8 flags (nodeFlags.ts): run again with them unless started with them.
    const args = relaunchArgs('consumer', process.execArgv, process.argv)
    if (args) process.exit(await relaunch(args))
    const { runConsumer } = await import('./consumer/run.js')
    process.exit(await runConsumer(result.global, result.options))
    break
  }
}
