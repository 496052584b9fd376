/**
 * Turns whatever a dial or handshake threw into a FailureClass, for backoff, metrics and events. Reads the
 * error's name (libp2p 3's error classes, checked against libp2p 3.3.11, @chainsafe/libp2p-noise 17 and
 * @chainsafe/libp2p-yamux 8) and node's system error codes, following `cause` and AggregateError's
 * `errors`, since libp2p wraps what the transport threw.
 */
import type { FailureClass } from './backoff.js'
import { CodecError } from './p2p/codec.js'

const byName: Record<string, FailureClass> = {
  TimeoutError: 'timeout',
  AbortError: 'timeout',
  UnexpectedPeerError: 'identity_mismatch',
  InvalidPeerIdError: 'identity_mismatch',
  UnsupportedProtocolError: 'protocol_unsupported',
  StreamResetError: 'reset',
  StreamAbortedError: 'reset',
  ConnectionClosedError: 'reset',
  MuxerClosedError: 'reset',
  UnexpectedEOFError: 'reset',
  InvalidCryptoExchangeError: 'bad_response',
  InvalidMessageError: 'bad_response',
  // libp2p's upgrader when the encrypter failed (see identityMismatch for the one case told by its message).
  EncryptionFailedError: 'bad_response',
  // Ours (p2p/handshake.ts): the peer's Status is on another fork digest.
  IrrelevantNetworkError: 'irrelevant_network',
}

const byCode: Record<string, FailureClass> = {
  ECONNREFUSED: 'refused',
  EHOSTUNREACH: 'refused',
  ENETUNREACH: 'refused',
  EADDRNOTAVAIL: 'refused',
  ETIMEDOUT: 'timeout',
  ECONNRESET: 'reset',
  EPIPE: 'reset',
}

/**
 * libp2p 3's upgrader rethrows whatever the encrypter threw as an EncryptionFailedError with only its message:
 * a remote key other than the dialed peer id is told by @chainsafe/libp2p-noise 17's wording alone.
 */
const identityMismatch = /does not match expected remote identity/

/** Pure: the class of `error`; the most specific one found in its chain of causes, else "other". */
export function classifyFailure(error: unknown): FailureClass {
  const seen = new Set<unknown>()
  const queue: unknown[] = [error]
  let fallback: FailureClass | undefined
  while (queue.length > 0) {
    const e = queue.shift()
    if (typeof e !== 'object' || e === null || seen.has(e)) continue
    seen.add(e)
    if (e instanceof CodecError) return e.errorClass
    const { name, code, cause, errors, message } = e as { name?: unknown; code?: unknown; cause?: unknown; errors?: unknown; message?: unknown }
    if (name === 'EncryptionFailedError' && typeof message === 'string' && identityMismatch.test(message)) return 'identity_mismatch'
    // A system code says what the transport saw; a wrapper's name (a dial timeout around a refusal) less so.
    if (typeof code === 'string' && byCode[code]) return byCode[code]
    if (typeof name === 'string' && byName[name]) fallback ??= byName[name]
    queue.push(cause)
    if (Array.isArray(errors)) queue.push(...errors)
  }
  return fallback ?? 'other'
}
