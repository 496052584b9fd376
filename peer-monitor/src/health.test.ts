import { computeHealth } from './health'
import { emptyLayerState } from './snapshot'

const now = 1_000_000

describe('computeHealth', () => {
  it('healthy when both layers updated recently', () => {
    const el = emptyLayerState('el')
    const cl = emptyLayerState('cl')
    el.status = cl.status = 'ok'
    el.lastSuccess = now - 10_000
    cl.lastSuccess = now - 44_000
    const h = computeHealth([el, cl], now, 45_000)
    expect(h.healthy).toBe(true)
    expect(h.body).toMatchObject({ status: 'ok', stale_after_seconds: 45, reasons: [], layers: { el: { age_seconds: 10 }, cl: { age_seconds: 44 } } })
  })
  it('unhealthy with a reason per stale or never-updated layer', () => {
    const el = emptyLayerState('el')
    const cl = emptyLayerState('cl')
    el.status = 'error'
    el.lastSuccess = now - 50_000
    el.lastError = { kind: 'refused', message: 'admin_peers: connect ECONNREFUSED' }
    cl.status = 'error'
    cl.lastError = { kind: 'timeout', message: 'x' }
    const h = computeHealth([el, cl], now, 45_000)
    expect(h.healthy).toBe(false)
    expect(h.body.status).toBe('unhealthy')
    expect(h.body.reasons).toEqual([
      'el: last successful update 50s ago, more than 45s (last error refused: admin_peers: connect ECONNREFUSED)',
      'cl: no successful update yet (last error timeout: x)',
    ])
  })
})
