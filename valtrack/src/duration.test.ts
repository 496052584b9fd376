import { durationText, parseDuration } from './duration.js'

test.each([
  ['500ms', 500],
  ['15s', 15_000],
  ['1m', 60_000],
  ['1.5h', 5_400_000],
  ['15', 15_000],
  ['0.5', 500],
  [' 2s ', 2000],
])('%s = %d ms', (text, ms) => {
  expect(parseDuration(text)).toBe(ms)
})

test.each(['', 's', '-1s', '1d', '1 s', '1e3', 'abc', '1.s'])('%j is not a duration', (text) => {
  expect(parseDuration(text)).toBeNull()
})

test('durationText is read back exactly', () => {
  for (const ms of [0, 1, 50, 1000, 1500, 60_000, 90_000, 3_600_000]) expect(parseDuration(durationText(ms))).toBe(ms)
  expect(durationText(600_000)).toBe('10m')
  expect(durationText(1500)).toBe('1500ms')
})
