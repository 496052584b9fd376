/** Durations on the command line: "15" (seconds), "500ms", "15s", "1m", "1.5h". */

const unitMs = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const
type Unit = keyof typeof unitMs

/** How the accepted forms are described in --help and in error messages. */
export const durationForms = 'seconds (15, 0.5) or a number with unit ms, s, m or h (500ms, 15s, 1m)'

/** Pure: the duration in ms (rounded to whole ms), or null when `text` is not one of the forms above. */
export function parseDuration(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)(ms|s|m|h)?\s*$/.exec(text)
  if (!m) return null
  return Math.round(Number(m[1]) * unitMs[(m[2] ?? 's') as Unit])
}

/** Pure: the shortest text parseDuration reads back as exactly `ms`: 50 -> "50ms", 15000 -> "15s", 600000 -> "10m". */
export function durationText(ms: number): string {
  if (ms === 0) return '0'
  for (const unit of ['h', 'm', 's'] as const) if (ms % unitMs[unit] === 0) return `${ms / unitMs[unit]}${unit}`
  return `${ms}ms`
}
