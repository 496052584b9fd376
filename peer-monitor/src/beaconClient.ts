import { HttpStatusError, OversizedResponseError } from './errors'

export type BeaconClient = {
  /** GET a beacon API path and parse its JSON body. */
  get(path: string): Promise<unknown>
}

/** Reads a fetch body, failing as soon as it exceeds `limit` bytes. */
export async function readLimited(response: Response, limit: number): Promise<string> {
  const declared = Number(response.headers.get('content-length'))
  if (Number.isFinite(declared) && declared > limit) {
    await response.body?.cancel().catch(() => {})
    throw new OversizedResponseError(limit)
  }
  if (!response.body) return ''
  const reader = response.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > limit) {
      await reader.cancel().catch(() => {})
      throw new OversizedResponseError(limit)
    }
    chunks.push(value)
  }
  return Buffer.concat(chunks, size).toString('utf8')
}

/** Beacon node REST client on node's fetch, with a per-request timeout and a response size limit. */
export function createBeaconClient(baseUrl: string, options: { timeoutMs: number; maxResponseBytes: number }): BeaconClient {
  const base = baseUrl.replace(/\/+$/, '')
  return {
    async get(path) {
      const url = `${base}${path}`
      const response = await fetch(url, {
        headers: { accept: 'application/json' },
        signal: AbortSignal.timeout(options.timeoutMs),
      })
      if (!response.ok) {
        await response.body?.cancel().catch(() => {})
        throw new HttpStatusError(response.status, url)
      }
      const text = await readLimited(response, options.maxResponseBytes)
      return JSON.parse(text) as unknown
    },
  }
}
