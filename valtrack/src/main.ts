#!/usr/bin/env node
/**
 * The `valtrack` binary. Only the command line is wired so far: the sentry's networking and the consumer
 * are not built yet (see README.md), and saying so beats pretending to run.
 */
import { parseCli } from './cli.js'

const result = parseCli(process.argv.slice(2), process.env)
switch (result.kind) {
  case 'help':
    process.stdout.write(result.text)
    break
  case 'error':
    process.stderr.write(`valtrack: ${result.message}\n`)
    process.exitCode = 2
    break
  default:
    process.stderr.write(`valtrack ${result.kind}: not built yet in this version (options parsed: ${JSON.stringify(result.options)})\n`)
    process.exitCode = 1
}
