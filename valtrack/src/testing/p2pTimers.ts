/**
 * Counts the timers created while it is installed that are still pending and keep the process alive
 * (ref'd), whoever created them: what `process.getActiveResourcesInfo()` shows, but only for the code under
 * test, so that timers of earlier tests in the same jest worker do not blur the count.
 */
export type TimerTracker = { pending(): number; restore(): void }

export function trackTimers(): TimerTracker {
  const live = new Set<NodeJS.Timeout>()
  const original = { setTimeout, setInterval, clearTimeout, clearInterval }
  const g = globalThis as unknown as Record<string, unknown>
  g.setTimeout = (fn: (...a: unknown[]) => void, ms?: number, ...rest: unknown[]) => {
    const t: NodeJS.Timeout = original.setTimeout((...a: unknown[]) => {
      live.delete(t)
      fn(...a)
    }, ms, ...rest)
    live.add(t)
    return t
  }
  g.setInterval = (fn: (...a: unknown[]) => void, ms?: number, ...rest: unknown[]) => {
    const t = original.setInterval(fn, ms, ...rest)
    live.add(t)
    return t
  }
  const clear = (t: NodeJS.Timeout | undefined) => {
    if (t) live.delete(t)
  }
  g.clearTimeout = (t?: NodeJS.Timeout) => {
    clear(t)
    original.clearTimeout(t)
  }
  g.clearInterval = (t?: NodeJS.Timeout) => {
    clear(t)
    original.clearInterval(t)
  }
  return {
    pending: () => [...live].filter((t) => t.hasRef()).length,
    restore: () => Object.assign(g, original),
  }
}
