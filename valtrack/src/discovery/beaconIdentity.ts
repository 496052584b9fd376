/**
 * `valtrack sentry --bootnode-from <beacon API>`: a beacon node's own ENR as a bootnode, asked from its standard
 * API (`GET /eth/v1/node/identity` → `{"data":{"peer_id","enr","p2p_addresses","discovery_addresses","metadata"}}`).
 * A deployment that runs the sentry next to its own beacon node cannot know that node's ENR beforehand (the
 * node makes its key at first start), so the sentry asks it at start: until it answers or the deadline passes,
 * with backoff and jitter, since the beacon node may still be starting. A response that is not an identity with
 * a valid, signed ENR ends the wait at once: asking again would not change it.
 */
import { type BackoffPolicy, backoffDelay } from '../backoff.js'
import { durationText } from '../duration.js'
import { type Logger, silentLogger } from '../logger.js'
import { parseEnr } from './enr.js'

export const IDENTITY_PATH = '/eth/v1/node/identity'

/** How long the sentry waits for the beacon node's identity at start before it gives up (exit 1; Docker restarts it). */
export const BOOTNODE_FROM_DEADLINE_MS = 5 * 60_000
const RETRY: BackoffPolicy = { baseMs: 500, capMs: 10_000 }
const REQUEST_TIMEOUT_MS = 5_000
/** An identity response is a few hundred bytes; anything much larger is not one. */
const MAX_RESPONSE_BYTES = 64 * 1024

export type IdentityResult = { ok: true; enr: string; peerId: string } | { ok: false; error: string }

/** Pure: the identity URL of a beacon API base URL (trailing slashes dropped). */
export function identityUrl(base: string): string {
  return `${base.replace(/\/+$/, '')}${IDENTITY_PATH}`
}

/** Pure: the ENR of an identity response body (parsed JSON), checked to be a valid, signed record. */
export function enrFromIdentity(body: unknown): IdentityResult {
  const data = typeof body === 'object' && body !== null ? (body as { data?: unknown }).data : undefined
  const enr = typeof data === 'object' && data !== null ? (data as { enr?: unknown }).enr : undefined
  if (typeof enr !== 'string') return { ok: false, error: 'expected {"data":{"enr":"enr:..."}}' }
  const parsed = parseEnr(enr)
  if (!parsed.ok) return { ok: false, error: `data.enr is not a valid ENR (${parsed.error})` }
  return { ok: true, enr: parsed.record.enr, peerId: parsed.record.peerId }
}

export type FetchBeaconEnrOptions = {
  deadlineMs?: number
  retry?: BackoffPolicy
  requestTimeoutMs?: number
  fetch?: typeof fetch
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>
  now?: () => number
  random?: () => number
  logger?: Logger
  /** Stops the wait (SIGTERM during start-up): rejects with the signal's reason. */
  signal?: AbortSignal
}

/** A failure that asking again cannot fix: the beacon node answered with something that is not an identity. */
class BadIdentity extends Error {}

const errorText = (e: unknown): string => {
  const err = e as { name?: string; message?: string; cause?: { code?: string; message?: string } }
  if (err?.name === 'TimeoutError') return 'no response (timed out)'
  const cause = err?.cause?.code ?? err?.cause?.message
  return cause ? `${err.message ?? String(e)} (${cause})` : (err?.message ?? String(e))
}

const abortableSleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason)
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    const onAbort = () => {
      clearTimeout(timer)
      reject(signal!.reason)
    }
    signal?.addEventListener('abort', onAbort, { once: true })
  })

/**
 * The beacon node's ENR, asked at `base` until it answers (connection refused, timeouts and non-2xx statuses are
 * retried with backoff) or `deadlineMs` passes. Throws one line naming the URL and the last problem.
 */
export async function fetchBeaconEnr(base: string, options: FetchBeaconEnrOptions = {}): Promise<IdentityResult & { ok: true }> {
  const url = identityUrl(base)
  const o = {
    deadlineMs: BOOTNODE_FROM_DEADLINE_MS,
    retry: RETRY,
    requestTimeoutMs: REQUEST_TIMEOUT_MS,
    fetch: globalThis.fetch,
    sleep: abortableSleep,
    now: Date.now,
    random: Math.random,
    logger: silentLogger,
    ...options,
  }
  const until = o.now() + o.deadlineMs
  for (let attempt = 1; ; attempt++) {
    let problem: string
    try {
      return await askOnce(url, o)
    } catch (e) {
      if (o.signal?.aborted) throw o.signal.reason
      if (e instanceof BadIdentity) throw new Error(`--bootnode-from ${url}: ${e.message}`)
      problem = errorText(e)
    }
    const left = until - o.now()
    if (left <= 0) throw new Error(`--bootnode-from ${url}: no identity within ${durationText(o.deadlineMs)} (${attempt} attempts; last: ${problem})`)
    // The last attempt falls on the deadline.
    const wait = Math.min(backoffDelay(attempt, o.retry, o.random), left)
    o.logger[attempt === 1 ? 'warn' : 'debug']('beacon node not answering yet, will ask again', { url, attempt, error: problem, retry_in_ms: wait })
    await o.sleep(wait, o.signal)
  }
}

async function askOnce(url: string, o: Required<Omit<FetchBeaconEnrOptions, 'signal'>> & { signal?: AbortSignal }): Promise<IdentityResult & { ok: true }> {
  const timeout = AbortSignal.timeout(o.requestTimeoutMs)
  const signal = o.signal ? AbortSignal.any([o.signal, timeout]) : timeout
  const res = await o.fetch(url, { headers: { accept: 'application/json' }, signal })
  const text = await res.text()
  if (!res.ok) throw new Error(`HTTP ${res.status}`)
  if (text.length > MAX_RESPONSE_BYTES) throw new BadIdentity(`response of ${text.length} bytes is not an identity`)
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    throw new BadIdentity(`response is not JSON: ${JSON.stringify(text.slice(0, 80))}`)
  }
  const result = enrFromIdentity(body)
  if (!result.ok) throw new BadIdentity(result.error)
  return result
}
