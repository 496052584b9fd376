/**
 * The V8 flags the sentry runs with: a young generation of at most 4 MiB per semi-space. With node's default
 * (16 MiB) a sentry knowing 10,000 nodes held about 310 MiB RSS after a full GC with 75 MiB of heap in use; with
 * 4 MiB about 210 MiB (`npm run bench`). main.ts's shebang carries them (a test keeps the two equal), and the
 * memory benchmark starts its sentry with them.
 */
export const SENTRY_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=4']

/**
 * The consumer's: node's default semi-space, 16 MiB. Its garbage is short-lived (a parsed message and its rows,
 * until the part is encoded), which a larger young generation collects for less: see README's benchmark section
 * for the backlog throughput with either. V8 fixes the young generation's bounds when the heap is set up
 * (v8.setFlagsFromString does not move them), so main.ts runs `valtrack consumer` again with these
 * (consumerRelaunch) when started with others, as by the shebang.
 */
export const CONSUMER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=16']

/** The V8 flags a command of the binary runs with: the consumer's its own, every other command the shebang's. */
export function nodeFlagsFor(command: string): readonly string[] {
  return command === 'consumer' ? CONSUMER_NODE_FLAGS : SENTRY_NODE_FLAGS
}

const flagName = (f: string) => f.split('=')[0]!

/**
 * How to run this process's command again with its flags (the node options, the script, its arguments), or
 * undefined when it already runs with them. The node options kept are those given (execArgv), less those the
 * command's flags set.
 */
export function relaunchArgs(command: string, execArgv: readonly string[], argv: readonly string[]): string[] | undefined {
  const want = nodeFlagsFor(command)
  if (want.every((f) => execArgv.includes(f))) return undefined
  const names = new Set(want.map(flagName))
  return [...execArgv.filter((a) => !names.has(flagName(a))), ...want, ...argv.slice(1)]
}
