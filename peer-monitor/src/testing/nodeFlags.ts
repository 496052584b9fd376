/**
 * The node/V8 flags the service runs with in production, read from the one place they are set: the
 * Dockerfile's `ENTRYPOINT ["node", <flags...>, "dist/main.js"]`. The benchmark starts the measured service
 * with exactly these flags, so benchmark and image cannot drift apart.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

/** The flags between "node" and "dist/main.js" in the ENTRYPOINT (exec form) of a Dockerfile text. */
export function entrypointNodeFlags(dockerfile: string): string[] {
  const lines = dockerfile.split('\n').filter((l) => /^\s*ENTRYPOINT\s/i.test(l))
  if (lines.length !== 1) throw new Error(`expected exactly one ENTRYPOINT line in the Dockerfile, found ${lines.length}`)
  const argv = JSON.parse(lines[0]!.replace(/^\s*ENTRYPOINT\s+/i, '')) as unknown
  if (!Array.isArray(argv) || !argv.every((a) => typeof a === 'string')) throw new Error('ENTRYPOINT must be in exec form (a JSON array of strings)')
  const main = argv.indexOf('dist/main.js')
  if (argv[0] !== 'node' || main < 1) throw new Error(`ENTRYPOINT must be ["node", ...flags, "dist/main.js"], got ${JSON.stringify(argv)}`)
  const flags = argv.slice(1, main) as string[]
  if (!flags.every((f) => f.startsWith('--'))) throw new Error(`unexpected ENTRYPOINT argument before dist/main.js: ${JSON.stringify(flags)}`)
  return flags
}

/** Dockerfile of the package (this file is dist/testing/nodeFlags.js or src/testing/nodeFlags.ts). */
export const dockerfilePath = join(__dirname, '..', '..', 'Dockerfile')

export function productionNodeFlags(path = dockerfilePath): string[] {
  return entrypointNodeFlags(readFileSync(path, 'utf8'))
}
