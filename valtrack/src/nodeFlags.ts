/**
 * The V8 flags the sentry runs with: a young generation of at most 4 MiB per semi-space. With node's default
 * (16 MiB) a sentry knowing 10,000 nodes held about 310 MiB RSS after a full GC with 75 MiB of heap in use; with
 * 4 MiB about 210 MiB (`npm run bench`). main.ts's shebang carries them (a test keeps the two equal), and the
 * memory benchmark starts its sentry with them. Every command of the binary runs with them, the consumer too (its
 * benchmark starts it so); node's 16 MiB makes the consumer ~11% faster for ~40–90 MiB more RSS (README).
 */
export const SENTRY_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=4']
