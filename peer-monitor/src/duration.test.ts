import { durationText, parseDuration } from './duration'

describe('parseDuration', () => {
  it.each([
    ['15', 15_000],
    ['0.5', 500],
    ['0.05', 50],
    ['86400', 86_400_000],
    ['500ms', 500],
    ['15s', 15_000],
    ['1.5s', 1500],
    ['1m', 60_000],
    ['10m', 600_000],
    ['1.5h', 5_400_000],
    ['24h', 86_400_000],
    ['0', 0],
    ['0ms', 0],
    [' 15s ', 15_000],
    ['0.0004s', 0],
    ['1.0006s', 1001],
  ])('%p -> %p ms', (text, ms) => expect(parseDuration(text)).toBe(ms))

  it.each(['', 's', 'abc', '-1', '-1s', '+1s', '1e3', '.5', '5.', '15 s', '15S', '1d', '1m30s', '1sec', '0x10', 'Infinity', 'NaN'])('%p is not a duration', (text) =>
    expect(parseDuration(text)).toBeNull())
})

describe('durationText', () => {
  it.each([
    [0, '0'],
    [50, '50ms'],
    [1500, '1500ms'],
    [5000, '5s'],
    [15_000, '15s'],
    [90_000, '90s'],
    [300_000, '5m'],
    [600_000, '10m'],
    [86_400_000, '24h'],
  ])('%p ms -> %p', (ms, text) => expect(durationText(ms)).toBe(text))

  it('reads back as the same ms', () => {
    for (const ms of [0, 1, 50, 999, 1000, 1001, 59_999, 60_000, 3_600_000, 3_600_001, 86_400_000]) expect(parseDuration(durationText(ms))).toBe(ms)
  })
})
