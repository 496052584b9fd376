/**
 * Req/resp over libp2p 3 streams: one request, one response chunk (Status, Ping, MetaData), or a request
 * alone (Goodbye). Both sides read with the bounded MessageDecoder, so nothing a peer sends is buffered past
 * what its message type allows; everything is bounded by the caller's AbortSignal.
 *
 * libp2p 3 streams are message streams: data is delivered as 'message' events, and the end of the remote's
 * writing as 'remoteCloseWrite'/'end' events that fire once. The reader is therefore attached before
 * anything is written, so that a fast answer (or the remote's close) cannot pass unseen.
 */
import { type Connection, type Stream, type StreamCloseEvent, type StreamMessageEvent, StreamResetError } from '@libp2p/interface'
import { CodecError, type Decoded, MessageDecoder, ResultCode, encodeRequest, encodeResponse } from './codec.js'
import { type MessageName, bodyBounds, parseProtocolId, protocolIds } from './messages.js'

/** A response whose result code is not success: the peer's ErrorMessage, kept for logs. */
export class ErrorResponse extends CodecError {
  constructor(
    readonly protocol: string,
    readonly resultCode: number,
    readonly errorMessage: string,
  ) {
    super('bad_response', `${protocol} answered with result code ${resultCode}: ${JSON.stringify(errorMessage)}`)
    this.name = 'ErrorResponse'
  }
}

export type Response = {
  /** The protocol id multistream selected. */
  protocol: string
  version: number
  ssz: Uint8Array
}

type Listener<E> = (evt: E) => void

/**
 * Reads one message from `stream` with `decoder`: resolves once it is complete (bytes after it are left
 * unread), rejects with the decoder's CodecError, the stream's error (a reset), or `signal.reason`.
 */
export function readMessage(stream: Stream, decoder: MessageDecoder, signal: AbortSignal): Promise<Decoded> {
  return new Promise<Decoded>((resolve, reject) => {
    let settled = false
    const settle = (f: () => Decoded | null): void => {
      if (settled) return
      let decoded: Decoded | null
      try {
        decoded = f()
      } catch (e) {
        decoded = null
        finish()
        reject(e)
        return
      }
      if (decoded) {
        finish()
        resolve(decoded)
      }
    }
    const onMessage: Listener<StreamMessageEvent> = (evt) => settle(() => decoder.push(evt.data.subarray()))
    // On a reset or abort, 'end' comes just before the 'close' event that carries the error: wait for that.
    const onEnd = (): void => {
      if (stream.status !== 'reset' && stream.status !== 'aborted') settle(() => decoder.end())
    }
    const onClose: Listener<StreamCloseEvent> = (evt) =>
      settle(() => {
        if (evt.error) throw evt.error
        return decoder.end()
      })
    const onAbort = (): void => settle(() => raise(signal.reason))
    const finish = (): void => {
      settled = true
      stream.removeEventListener('message', onMessage)
      stream.removeEventListener('end', onEnd)
      stream.removeEventListener('close', onClose)
      signal.removeEventListener('abort', onAbort)
    }
    if (signal.aborted) return reject(signal.reason)
    // A reset that came while the stream was being negotiated: its 'close' event has passed.
    if (stream.status === 'reset' || stream.status === 'aborted') return reject(new StreamResetError(`stream was ${stream.status} before it could be read`))
    stream.addEventListener('message', onMessage)
    stream.addEventListener('end', onEnd)
    stream.addEventListener('close', onClose)
    signal.addEventListener('abort', onAbort)
    // 'end' fires once; if it already has, and nothing is buffered, the stream will give us nothing more.
    if (stream.readableEnded && stream.readBufferLength === 0) onEnd()
  })
}

function raise(error: unknown): never {
  throw error
}

/** The version multistream selected among our ids of `name` (it can only select one we offered). */
function selectedVersion(stream: Stream, name: MessageName): number {
  const parsed = parseProtocolId(stream.protocol)
  if (!parsed || parsed.name !== name) throw new CodecError('bad_response', `negotiated ${stream.protocol}, not a ${name} protocol`)
  return parsed.version
}

const asError = (e: unknown): Error => (e instanceof Error ? e : new Error(String(e)))

/**
 * Sends one request on a new stream and reads its single response chunk. `body(version)` gives the request's
 * SSZ for the version multistream selected, or null for a request without a body (MetaData: the stream is
 * closed without writing anything). Offers every version of `name`, newest first.
 */
export async function request(
  connection: Connection,
  name: MessageName,
  body: (version: number) => Uint8Array | null,
  opts: { signal: AbortSignal },
): Promise<Response> {
  const stream = await connection.newStream(protocolIds(name), { signal: opts.signal })
  try {
    const version = selectedVersion(stream, name)
    const reading = readMessage(stream, new MessageDecoder('response', bodyBounds(name, version, 'response')), opts.signal)
    // If writing fails first, the reader's rejection must not surface as unhandled.
    reading.catch(() => undefined)
    const ssz = body(version)
    const writeError = await writeAndClose(stream, ssz ? encodeRequest(ssz) : null, opts.signal)
    const decoded = await (writeError === undefined ? reading : readerFirst(reading, writeError))
    if (decoded.result !== ResultCode.success) throw new ErrorResponse(stream.protocol, decoded.result, new TextDecoder().decode(decoded.ssz))
    return { protocol: stream.protocol, version, ssz: decoded.ssz }
  } catch (e) {
    stream.abort(asError(e))
    throw e
  }
}

/** Writes `bytes` (if any) and closes our side; what failed, if anything. */
async function writeAndClose(stream: Stream, bytes: Uint8Array | null, signal: AbortSignal): Promise<unknown> {
  try {
    if (bytes) stream.send(bytes)
    await stream.close({ signal })
    return undefined
  } catch (e) {
    return e
  }
}

/**
 * Writing fails when the peer has reset the stream; the reader has then seen the reset, which says more than
 * the write's state error. Whichever the reader settled with by the next turn of the event loop, else `error`.
 */
function readerFirst(reading: Promise<Decoded>, error: unknown): Promise<Decoded> {
  return Promise.race([reading, new Promise<never>((_, reject) => setImmediate(() => reject(error)))])
}

/**
 * Sends a request that has no response (Goodbye), then waits for the peer to close its side (or the
 * connection, or `signal`): closing the connection at once could discard the request before the peer's
 * handler has read it.
 */
export async function send(connection: Connection, name: MessageName, ssz: Uint8Array, opts: { signal: AbortSignal }): Promise<string> {
  const stream = await connection.newStream(protocolIds(name), { signal: opts.signal })
  try {
    const closed = remoteClosed(stream, opts.signal)
    stream.send(encodeRequest(ssz))
    await stream.close({ signal: opts.signal })
    await closed
    return stream.protocol
  } catch (e) {
    stream.abort(asError(e))
    throw e
  }
}

/** Resolves once the remote will send nothing more on `stream` (or `signal` aborts); never rejects. */
function remoteClosed(stream: Stream, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = (): void => {
      stream.removeEventListener('end', done)
      stream.removeEventListener('close', done)
      stream.removeEventListener('remoteCloseWrite', done)
      signal.removeEventListener('abort', done)
      resolve()
    }
    if (signal.aborted || stream.status !== 'open' || stream.remoteWriteStatus === 'closed') return resolve()
    stream.addEventListener('end', done)
    stream.addEventListener('close', done)
    stream.addEventListener('remoteCloseWrite', done)
    signal.addEventListener('abort', done)
  })
}

/** What an inbound handler answers: the response's SSZ (success), an error response, or nothing (Goodbye). */
export type Answer = { ssz: Uint8Array } | { result: number; message: string } | null

/**
 * The inbound side of one stream: reads the bounded request (none for MetaData: its request is the empty
 * stream), writes `answer`'s response chunk and closes. A malformed request gets an invalidRequest error
 * response; any failure aborts the stream and is returned (never thrown: a peer's bad input must not
 * surface as an exception in libp2p's handler).
 */
export async function serve(
  stream: Stream,
  answer: (req: { version: number; ssz: Uint8Array | null }) => Answer,
  opts: { signal: AbortSignal },
): Promise<Error | null> {
  try {
    const parsed = parseProtocolId(stream.protocol)
    if (!parsed) throw new Error(`no handler for ${stream.protocol}`)
    const { name, version } = parsed
    let out: Answer
    try {
      const ssz = name === 'metadata' ? null : (await readMessage(stream, new MessageDecoder('request', bodyBounds(name, version, 'request')), opts.signal)).ssz
      out = answer({ version, ssz })
    } catch (e) {
      if (!(e instanceof CodecError)) throw e
      out = { result: ResultCode.invalidRequest, message: e.message.slice(0, 256) }
    }
    if (out) stream.send('ssz' in out ? encodeResponse(out.ssz) : encodeResponse(new TextEncoder().encode(out.message).subarray(0, 256), out.result))
    await stream.close({ signal: opts.signal })
    return null
  } catch (e) {
    stream.abort(asError(e))
    return asError(e)
  }
}
