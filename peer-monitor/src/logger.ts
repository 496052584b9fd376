import type { LogLevel } from './config'

export type LogFields = Record<string, unknown>

export type Logger = {
  debug(msg: string, fields?: LogFields): void
  info(msg: string, fields?: LogFields): void
  warn(msg: string, fields?: LogFields): void
  error(msg: string, fields?: LogFields): void
}

const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 }

const textValue = (v: unknown): string => {
  const s = typeof v === 'string' ? v : JSON.stringify(v)
  return s !== undefined && /[\s"=]/.test(s) ? JSON.stringify(s) : String(s)
}

/** Pure: one log record as a line, JSON or "ts LEVEL msg key=value". */
export function formatLogLine(style: 'json' | 'text', level: LogLevel, msg: string, fields: LogFields, now: number): string {
  const ts = new Date(now).toISOString()
  if (style === 'json') return `${JSON.stringify({ ts, level, msg, ...fields })}\n`
  const kv = Object.entries(fields)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${textValue(v)}`)
  return `${ts} ${level.toUpperCase().padEnd(5)} ${msg}${kv.length ? ` ${kv.join(' ')}` : ''}\n`
}

/** Diagnostic logger writing to stderr (never to the stdout event stream). */
export function createLogger(
  level: LogLevel,
  style: 'json' | 'text',
  write: (line: string) => void = (line) => process.stderr.write(line),
  now: () => number = Date.now,
): Logger {
  const min = order[level]
  const log = (l: LogLevel) => (msg: string, fields: LogFields = {}) => {
    if (order[l] >= min) write(formatLogLine(style, l, msg, fields, now()))
  }
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') }
}
