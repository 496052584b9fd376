/**
 * How the long-running commands (sentry, consumer, api) end: on the first SIGTERM or SIGINT, with a watchdog
 * that exits 1 if stopping takes longer than its bound.
 */
import type { Logger } from './logger.js'

/** Resolves with the first SIGTERM or SIGINT. */
export function stopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    for (const s of ['SIGTERM', 'SIGINT'] as const) process.once(s, () => resolve(s))
  })
}

/**
 * After the stop signal: whatever hangs, the process is gone within `deadlineMs`. Unref'd: the watchdog does not
 * itself keep the process alive.
 */
export function armStopWatchdog(logger: Logger, deadlineMs: number): void {
  setTimeout(() => {
    logger.error('stop took too long: exiting anyway', { deadline_ms: deadlineMs })
    process.exit(1)
  }, deadlineMs).unref()
}
