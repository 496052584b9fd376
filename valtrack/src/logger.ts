/**
 * Diagnostic logs: one JSON object per line on stderr (stdout stays free), filtered by `--log-level`.
 * The line format is a pure function; the writer and the clock are injected.
 */
import type { LogLevel } from './cli.js'

export type LogFields = Record<string, unknown>

export type Logger = Record<LogLevel, (msg: string, fields?: LogFields) => void>

const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 }

/** Errors become their message (and class), bigints their decimal text: JSON.stringify knows neither. */
function jsonValue(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString()
  if (value instanceof Error) return `${value.name}: ${value.message}`
  return value
}

/** Pure: one log record as a JSON line. */
export function formatLogLine(level: LogLevel, msg: string, fields: LogFields, nowMs: number): string {
  return `${JSON.stringify({ ts: new Date(nowMs).toISOString(), level, msg, ...fields }, jsonValue)}\n`
}

export function createLogger(level: LogLevel, write: (line: string) => void = (line) => process.stderr.write(line), now: () => number = Date.now): Logger {
  const min = order[level]
  const at = (l: LogLevel) => (msg: string, fields: LogFields = {}) => {
    if (order[l] >= min) write(formatLogLine(l, msg, fields, now()))
  }
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }
}

/** For tests and library use: a logger that keeps nothing. */
export const silentLogger: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} }
