import type { ClassifiedError, ErrorKind } from './types'

/** A response that is not the JSON shape we expect. */
export class MalformedResponseError extends Error {
  override name = 'MalformedResponseError'
}

/** A response larger than --max-response-bytes. */
export class OversizedResponseError extends Error {
  override name = 'OversizedResponseError'
  constructor(readonly limit: number) {
    super(`response larger than ${limit} bytes`)
  }
}

/** A peer list longer than one layer may hold (maxPeersPerLayer). */
export class TooManyEntriesError extends Error {
  override name = 'TooManyEntriesError'
  constructor(what: string, readonly limit: number) {
    super(`${what}: more than ${limit} entries, the most the monitor holds per layer`)
  }
}

/** A non-2xx HTTP status from a REST endpoint. */
export class HttpStatusError extends Error {
  override name = 'HttpStatusError'
  constructor(readonly status: number, readonly url: string) {
    super(`HTTP ${status} from ${url}`)
  }
}

/** The WebSocket connection closed while a request was in flight. */
export class ConnectionClosedError extends Error {
  override name = 'ConnectionClosedError'
}

export const adminHint =
  'enable the admin namespace on a private interface only: add "admin" to geth --ws.api (or --http.api), e.g. --ws.api eth,net,web3,admin, and never publish that port'

type ErrorLike = {
  name?: unknown
  message?: unknown
  code?: unknown
  status?: unknown
  cause?: unknown
  error?: unknown
  details?: unknown
  shortMessage?: unknown
}

/** Walks an error and its causes (viem wraps errors in several layers). */
function chain(error: unknown): ErrorLike[] {
  const out: ErrorLike[] = []
  const seen = new Set<unknown>()
  let queue: unknown[] = [error]
  while (queue.length > 0 && out.length < 16) {
    const next: unknown[] = []
    for (const e of queue) {
      if (e === null || typeof e !== 'object' || seen.has(e)) continue
      seen.add(e)
      const el = e as ErrorLike
      out.push(el)
      next.push(el.cause, el.error)
    }
    queue = next
  }
  return out
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '')

function firstLine(s: string): string {
  const line = s.split('\n')[0] ?? ''
  return line.length > 300 ? `${line.slice(0, 297)}...` : line
}

/**
 * Classifies any error thrown by the RPC/REST layer into a small set of kinds.
 * Pure: looks only at names, codes, statuses and messages.
 */
export function classifyError(error: unknown): ClassifiedError {
  const links = chain(error)
  const messages = links.map((l) => `${str(l.details)} ${str(l.message)}`).join(' | ')
  const top = links[0]
  // viem puts the server's own message in `details`; prefer it over "RPC Request failed."
  const detailed = links.find((l) => str(l.details) !== '' && !/^\s*[{[]/.test(str(l.details)))
  const baseMessage = firstLine(str(detailed?.details) || str(top?.shortMessage) || str(top?.message) || String(error))
  const has = (pred: (l: ErrorLike) => boolean) => links.some(pred)
  const result = (kind: ErrorKind, hint?: string): ClassifiedError =>
    hint ? { kind, message: baseMessage, hint } : { kind, message: baseMessage }

  if (/method admin_\w+ does not exist|admin_\w+ .*not available|method admin_\w+ .*not (found|supported)/i.test(messages))
    return result('admin_disabled', adminHint)
  if (has((l) => l.name === 'ResponseBodyTooLargeError' || l.name === 'OversizedResponseError' || l.name === 'TooManyEntriesError'))
    return result('oversized')
  if (has((l) => l.name === 'TimeoutError' || l.code === 'ETIMEDOUT' || l.code === 'UND_ERR_HEADERS_TIMEOUT' || l.code === 'UND_ERR_BODY_TIMEOUT'))
    return result('timeout')
  if (has((l) => l.code === 'ECONNREFUSED')) return result('refused')
  if (has((l) => l.code === 'ENOTFOUND' || l.code === 'EAI_AGAIN' || l.code === 'EHOSTUNREACH' || l.code === 'ENETUNREACH'))
    return result('unreachable')
  if (has((l) => l.name === 'SyntaxError' || l.name === 'MalformedResponseError')) return result('malformed')
  if (has((l) => l.name === 'HttpStatusError' || (l.name === 'HttpRequestError' && typeof l.status === 'number')))
    return result('http')
  if (has((l) => typeof l.code === 'number' && l.name !== 'HttpRequestError')) return result('rpc')
  if (has((l) => l.name === 'ConnectionClosedError' || l.name === 'SocketClosedError' || l.code === 'ECONNRESET' || l.code === 'EPIPE' || l.code === 'UND_ERR_SOCKET'))
    return result('closed')
  if (/ECONNREFUSED/.test(messages)) return result('refused')
  return result('unknown')
}
