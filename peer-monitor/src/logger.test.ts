import { createLogger, formatLogLine } from './logger'

const t = Date.parse('2026-01-01T00:00:00Z')

describe('logger', () => {
  it('formats JSON lines', () => {
    expect(JSON.parse(formatLogLine('json', 'warn', 'el update failed', { kind: 'timeout' }, t))).toEqual({
      ts: '2026-01-01T00:00:00.000Z', level: 'warn', msg: 'el update failed', kind: 'timeout',
    })
  })
  it('formats text lines with quoted values where needed', () => {
    expect(formatLogLine('text', 'info', 'hello', { a: 1, b: 'x y', c: undefined }, t)).toBe(
      '2026-01-01T00:00:00.000Z INFO  hello a=1 b="x y"\n')
  })
  it('filters by level', () => {
    const lines: string[] = []
    const log = createLogger('warn', 'text', (l) => lines.push(l), () => t)
    log.debug('d')
    log.info('i')
    log.warn('w')
    log.error('e')
    expect(lines.map((l) => l.trim().split(' ').pop())).toEqual(['w', 'e'])
  })
})
