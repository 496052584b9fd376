import { request as httpRequest, type IncomingMessage } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { HttpStatusError, OversizedResponseError } from './errors'

export type BeaconClient = {
  /** GET a beacon API path and parse its JSON body. */
  get(path: string): Promise<unknown>
  /** GET a beacon API path; the body as bytes (for parsing large lists entry by entry, see jsonScan). */
  getBytes(path: string): Promise<Buffer>
}

/**
 * Reads a response body, failing as soon as it exceeds `limit` bytes. The bytes stay outside the JS heap,
 * written straight into one buffer when the length is declared.
 */
export function readLimitedBytes(res: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(res.headers['content-length'])
    const known = res.headers['content-length'] !== undefined && Number.isSafeInteger(declared) && declared >= 0
    if (known && declared > limit) {
      res.destroy()
      reject(new OversizedResponseError(limit))
      return
    }
    const whole = known ? Buffer.allocUnsafe(declared) : null
    const chunks: Buffer[] = []
    let size = 0
    res.on('data', (chunk: Buffer) => {
      if (size + chunk.length > limit || (whole && size + chunk.length > whole.length)) {
        res.destroy()
        reject(new OversizedResponseError(limit))
        return
      }
      if (whole) chunk.copy(whole, size)
      else chunks.push(chunk)
      size += chunk.length
    })
    res.on('end', () => resolve(whole ? whole.subarray(0, size) : Buffer.concat(chunks, size)))
    res.on('error', reject)
    res.on('close', () => {
      if (!res.complete) reject(Object.assign(new Error('response closed before it was complete'), { code: 'ECONNRESET' }))
    })
  })
}

/**
 * Beacon node REST client on node's http/https modules (node's fetch would load undici, ~10 MB of RSS, for
 * four GET requests), with a per-request deadline and a response size limit. Keep-alive comes from node's
 * global agents.
 */
export function createBeaconClient(baseUrl: string, options: { timeoutMs: number; maxResponseBytes: number }): BeaconClient {
  const base = baseUrl.replace(/\/+$/, '')
  const getBytes = (path: string): Promise<Buffer> => {
    const url = new URL(`${base}${path}`)
    const shown = `${url.origin}${url.pathname}${url.search}` // never the credentials
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest
    return new Promise<Buffer>((resolve, reject) => {
      let settled = false
      const finish = (error: unknown, value: Buffer = Buffer.alloc(0)) => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        if (error) {
          req.destroy()
          reject(error)
        } else resolve(value)
      }
      const req = send(url, { method: 'GET', headers: { accept: 'application/json' } }, (res) => {
        const status = res.statusCode ?? 0
        if (status < 200 || status > 299) {
          res.resume()
          finish(new HttpStatusError(status, shown))
          return
        }
        readLimitedBytes(res, options.maxResponseBytes).then((body) => finish(null, body), finish)
      })
      // One deadline for connect + headers + body, like fetch with AbortSignal.timeout.
      const timer = setTimeout(() => {
        const e = new Error(`request to ${shown} timed out after ${options.timeoutMs} ms`)
        e.name = 'TimeoutError'
        finish(e)
      }, options.timeoutMs)
      req.on('error', (e) => finish(e))
      req.end()
    })
  }
  return {
    getBytes,
    async get(path) {
      return JSON.parse((await getBytes(path)).toString('utf8')) as unknown
    },
  }
}
