import { createLogger, formatLogLine } from './logger.js'

test('a line is one JSON object with time, level, message and fields; bigints and errors are readable', () => {
  const line = formatLogLine('warn', 'dial failed', { seq: 2n ** 64n - 1n, error: new TypeError('boom') }, Date.UTC(2026, 11, 1))
  expect(line.endsWith('\n')).toBe(true)
  expect(JSON.parse(line)).toEqual({ ts: '2026-12-01T00:00:00.000Z', level: 'warn', msg: 'dial failed', seq: '18446744073709551615', error: 'TypeError: boom' })
})

test('levels below the configured one are not written', () => {
  const lines: string[] = []
  const log = createLogger('warn', (l) => lines.push(l), () => 0)
  log.debug('a')
  log.info('b')
  log.warn('c')
  log.error('d')
  expect(lines.map((l) => JSON.parse(l).msg)).toEqual(['c', 'd'])
})
