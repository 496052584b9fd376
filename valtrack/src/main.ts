#!/usr/bin/env -S node --max-semi-space-size=4
/**
 * The `valtrack` binary: `valtrack sentry` runs the sentry (sentry/run.ts); `valtrack query` and `valtrack api`
 * read the parquet files (query/run.ts); `valtrack consumer` writes them (consumer/run.ts).
 */
import { parseCli } from './cli.js'
import { runSentry } from './sentry/run.js'

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
    const { runConsumer } = await import('./consumer/run.js')
    process.exit(await runConsumer(result.global, result.options))
    break
  }
}
