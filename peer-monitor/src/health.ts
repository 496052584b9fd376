import type { LayerState } from './snapshot'

export type Health = {
  healthy: boolean
  body: {
    status: 'ok' | 'unhealthy'
    stale_after_seconds: number
    reasons: string[]
    layers: Record<string, { status: LayerState['status']; last_success: string | null; age_seconds: number | null; error: string | null }>
  }
}

/** Pure: healthy when every layer had a successful update within `staleMs`. */
export function computeHealth(states: readonly LayerState[], now: number, staleMs: number): Health {
  const reasons: string[] = []
  const layers: Health['body']['layers'] = {}
  for (const s of states) {
    const age = s.lastSuccess === null ? null : Math.max(0, (now - s.lastSuccess) / 1000)
    const error = s.status === 'error' && s.lastError ? `${s.lastError.kind}: ${s.lastError.message}` : null
    layers[s.layer] = { status: s.status, last_success: s.lastSuccess === null ? null : new Date(s.lastSuccess).toISOString(), age_seconds: age, error }
    if (age === null) reasons.push(`${s.layer}: no successful update yet${error ? ` (last error ${error})` : ''}`)
    else if (age * 1000 > staleMs)
      reasons.push(`${s.layer}: last successful update ${Math.round(age)}s ago, more than ${staleMs / 1000}s${error ? ` (last error ${error})` : ''}`)
  }
  const healthy = reasons.length === 0
  return { healthy, body: { status: healthy ? 'ok' : 'unhealthy', stale_after_seconds: staleMs / 1000, reasons, layers } }
}
