/**
 * The req/resp wire codec of the consensus p2p spec ("ssz_snappy" encoding):
 *   request  = varint(len(ssz)) ++ snappy_framed(ssz)
 *   response = result byte ++ varint(len(ssz)) ++ snappy_framed(ssz)
 * Everything a peer sends is bounded before anything is allocated for it: the declared length against the
 * message type's limits, each frame against what the declared length can still need, every chunk's
 * uncompressed size against what is left of the declared length.
 */
import { compress, uncompress } from 'snappyjs'
import { maskedCrc32c } from './crc32c.js'

/**
 * oversized: a length over the message type's limit, or a stream that expands past its declared length or
 * its maximal encoded size; truncated: the stream ended early; bad_response: anything else malformed
 * (varint encoding, checksum, chunk type, snappy data, a length under the type's minimum).
 */
export type CodecErrorClass = 'oversized' | 'truncated' | 'bad_response'

export class CodecError extends Error {
  constructor(
    readonly errorClass: CodecErrorClass,
    message: string,
  ) {
    super(message)
    this.name = 'CodecError'
  }
}

/** A uint64 takes at most 10 varint bytes (7 bits each). */
export const VARINT_MAX_BYTES = 10

export function encodeVarint(value: number): Uint8Array {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`varint value must be a non-negative safe integer, got ${value}`)
  const out: number[] = []
  let v = value
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80)
    v = Math.floor(v / 0x80)
  }
  out.push(v)
  return Uint8Array.from(out)
}

/**
 * Pure: the unsigned protobuf varint at `offset`, or null when `bytes` ends inside it (more may arrive).
 * `value` is exact up to 2^53; larger (still valid uint64) values are only ever compared against limits.
 * Rejects more than 10 bytes, values over 2^64 - 1 and non-minimal encodings (a trailing zero byte).
 */
export function decodeVarint(bytes: Uint8Array, offset: number): { value: number; length: number } | null {
  let value = 0
  for (let i = 0; i < VARINT_MAX_BYTES; i++) {
    if (offset + i >= bytes.length) return null
    const b = bytes[offset + i]!
    // The 10th byte holds bit 63 only: anything else overflows a uint64.
    if (i === VARINT_MAX_BYTES - 1 && b > 1) throw new CodecError('bad_response', 'varint overflows uint64')
    value += (b & 0x7f) * 2 ** (7 * i)
    if ((b & 0x80) === 0) {
      if (b === 0 && i > 0) throw new CodecError('bad_response', 'varint is not minimally encoded')
      return { value, length: i + 1 }
    }
  }
  throw new CodecError('bad_response', `varint longer than ${VARINT_MAX_BYTES} bytes`)
}

const STREAM_IDENTIFIER = Uint8Array.from([0xff, 0x06, 0x00, 0x00, 0x73, 0x4e, 0x61, 0x50, 0x70, 0x59]) // "sNaPpY"
const CHUNK_COMPRESSED = 0x00
const CHUNK_UNCOMPRESSED = 0x01
const CHUNK_STREAM_IDENTIFIER = 0xff
/** The framing format caps each chunk's uncompressed data at 64 KiB. */
const MAX_CHUNK_DATA = 65536
const CHUNK_HEADER = 4
const CHECKSUM = 4

/** snappy's own worst case for a block of n bytes (MaxCompressedLength in the reference implementation). */
const maxCompressedLength = (n: number) => 32 + n + Math.floor(n / 6)

/** Pure: the largest framed stream an honest encoder can produce for `n` bytes; more is rejected as oversized. */
export function maxFramedLength(n: number): number {
  const fullChunks = Math.floor(n / MAX_CHUNK_DATA)
  const last = n % MAX_CHUNK_DATA
  const perChunk = (c: number) => CHUNK_HEADER + CHECKSUM + maxCompressedLength(c)
  return STREAM_IDENTIFIER.length + fullChunks * perChunk(MAX_CHUNK_DATA) + (last > 0 ? perChunk(last) : 0)
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

function chunk(type: number, crc: number, body: Uint8Array): Uint8Array {
  const len = CHECKSUM + body.length
  const head = Uint8Array.from([type, len & 0xff, (len >>> 8) & 0xff, len >>> 16, crc & 0xff, (crc >>> 8) & 0xff, (crc >>> 16) & 0xff, crc >>> 24])
  return concat([head, body])
}

/** Pure: the snappy framed stream of `data`; each 64 KiB piece compressed, or stored when that is shorter. */
export function encodeFramed(data: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [STREAM_IDENTIFIER]
  for (let at = 0; at < data.length; at += MAX_CHUNK_DATA) {
    const piece = data.subarray(at, at + MAX_CHUNK_DATA)
    const compressed = compress(piece)
    const crc = maskedCrc32c(piece)
    parts.push(compressed.length < piece.length ? chunk(CHUNK_COMPRESSED, crc, compressed) : chunk(CHUNK_UNCOMPRESSED, crc, piece))
  }
  return concat(parts)
}

/**
 * Pure: a request body. A zero-length SSZ value is just its varint: there is nothing to frame. (No protocol
 * the sentry speaks has one; a MetaData request is no body at all, see messages.ts.)
 */
export function encodeRequest(ssz: Uint8Array): Uint8Array {
  return ssz.length === 0 ? encodeVarint(0) : concat([encodeVarint(ssz.length), encodeFramed(ssz)])
}

/** Response codes of the spec; any non-zero code carries an ErrorMessage instead of the expected type. */
export const ResultCode = { success: 0, invalidRequest: 1, serverError: 2, resourceUnavailable: 3 } as const

/** ErrorMessage is List[byte, 256]. */
export const MAX_ERROR_MESSAGE_BYTES = 256

/** Pure: one response chunk. */
export function encodeResponse(ssz: Uint8Array, result: number = ResultCode.success): Uint8Array {
  if (!Number.isInteger(result) || result < 0 || result > 255) throw new RangeError(`result code must be a byte, got ${result}`)
  return concat([Uint8Array.of(result), encodeRequest(ssz)])
}

export type SszBounds = { minBytes: number; maxBytes: number }

export type Decoded = {
  /** 0 for requests; for responses the result byte (non-zero: `ssz` is an ErrorMessage). */
  result: number
  ssz: Uint8Array
  /** Bytes that followed the message in the stream (the next response chunk, or garbage). */
  rest: Uint8Array
}

type Phase = 'result' | 'length' | 'frames' | 'done'

/**
 * Incremental decoder of one request or one response chunk: feed it the stream's pieces as they arrive
 * (`push` returns the message once complete, else null) and call `end` when the stream closes. Throws only
 * CodecError; once it has thrown, it throws the same error again. Buffers at most one frame, and no frame
 * larger than what the declared length can still need.
 */
export class MessageDecoder {
  private phase: Phase
  private pending: Uint8Array = new Uint8Array(0)
  private result = 0
  private declared = 0
  private out: Uint8Array = new Uint8Array(0)
  private written = 0
  /** Framed bytes the declared length still allows (maxFramedLength minus what was consumed). */
  private budget = 0
  private sawStreamIdentifier = false
  private failure: CodecError | undefined
  private decoded: Decoded | undefined

  constructor(
    kind: 'request' | 'response',
    private readonly bounds: SszBounds,
  ) {
    this.phase = kind === 'response' ? 'result' : 'length'
  }

  push(input: Uint8Array): Decoded | null {
    if (this.failure) throw this.failure
    if (this.phase === 'done') throw new Error('MessageDecoder: push after the message was complete')
    try {
      return this.step(input)
    } catch (e) {
      // Any other exception is a bug of ours, not the peer's: let it surface as is.
      if (e instanceof CodecError) this.failure = e
      throw e
    }
  }

  /** Bytes held for this message (the incomplete frame and the output): what the fuzz tests bound. */
  get bufferedBytes(): number {
    return this.pending.length + this.out.length
  }

  /** The stream closed: the message, or a truncated error if it is incomplete. */
  end(): Decoded {
    if (this.failure) throw this.failure
    if (this.decoded) return this.decoded
    const where =
      this.phase === 'frames' ? `after ${this.written} of ${this.declared} bytes` : this.phase === 'length' ? 'before the length prefix was complete' : 'before the result byte'
    this.failure = new CodecError('truncated', `stream ended ${where}`)
    throw this.failure
  }

  /** The most bytes this message can still take from the stream, so that no more than that is ever copied. */
  private stillNeeded(): number {
    if (this.phase === 'frames') return this.budget
    const head = (this.phase === 'result' ? 1 : 0) + VARINT_MAX_BYTES
    return head + maxFramedLength(Math.max(this.bounds.maxBytes, MAX_ERROR_MESSAGE_BYTES))
  }

  private step(input: Uint8Array): Decoded | null {
    // Unprocessed bytes are copied only while a unit is incomplete, and only as many as the message can use.
    let buf: Uint8Array = input
    let tail: Uint8Array = new Uint8Array(0)
    if (this.pending.length > 0) {
      const take = Math.max(0, Math.min(input.length, this.stillNeeded() - this.pending.length))
      buf = concat([this.pending, input.subarray(0, take)])
      tail = input.subarray(take)
    }
    let off = 0
    const done = (): Decoded => {
      this.phase = 'done'
      const left = buf.subarray(off)
      this.decoded = { result: this.result, ssz: this.out, rest: tail.length === 0 ? left : concat([left, tail]) }
      return this.decoded
    }
    for (;;) {
      if (this.phase === 'result') {
        if (off >= buf.length) break
        this.result = buf[off++]!
        this.phase = 'length'
      } else if (this.phase === 'length') {
        const v = decodeVarint(buf, off)
        if (!v) break
        off += v.length
        this.startFrames(v.value)
        if (this.declared === 0) return done()
      } else {
        if (buf.length - off < CHUNK_HEADER) break
        const type = buf[off]!
        const len = buf[off + 1]! | (buf[off + 2]! << 8) | (buf[off + 3]! << 16)
        if (CHUNK_HEADER + len > this.budget)
          throw new CodecError('oversized', `snappy frame of ${len} bytes exceeds the stream's maximal encoded length for ${this.declared} bytes`)
        if (!this.sawStreamIdentifier && type !== CHUNK_STREAM_IDENTIFIER)
          throw new CodecError('bad_response', `snappy stream starts with chunk type 0x${type.toString(16)}, not the stream identifier`)
        if (buf.length - off < CHUNK_HEADER + len) break
        this.frame(type, buf.subarray(off + CHUNK_HEADER, off + CHUNK_HEADER + len))
        off += CHUNK_HEADER + len
        this.budget -= CHUNK_HEADER + len
        if (this.written === this.declared) return done()
      }
    }
    // All the bytes the message could still use are here and it is not complete: no valid end can follow.
    if (tail.length > 0) throw new CodecError('oversized', `snappy stream exceeds its maximal encoded length for ${this.declared} bytes`)
    this.pending = buf.slice(off)
    return null
  }

  private startFrames(declared: number): void {
    // An error response carries an ErrorMessage, whatever the expected type.
    const { minBytes, maxBytes } = this.result === ResultCode.success ? this.bounds : { minBytes: 0, maxBytes: MAX_ERROR_MESSAGE_BYTES }
    if (declared > maxBytes) throw new CodecError('oversized', `declared length ${declared} exceeds the limit of ${maxBytes} bytes`)
    if (declared < minBytes) throw new CodecError('bad_response', `declared length ${declared} is under the minimum of ${minBytes} bytes`)
    this.declared = declared
    this.out = new Uint8Array(declared)
    this.budget = maxFramedLength(declared)
    this.phase = 'frames'
  }

  private frame(type: number, body: Uint8Array): void {
    if (type === CHUNK_STREAM_IDENTIFIER) {
      if (body.length !== 6 || !body.every((b, i) => b === STREAM_IDENTIFIER[CHUNK_HEADER + i]))
        throw new CodecError('bad_response', 'malformed snappy stream identifier')
      this.sawStreamIdentifier = true
      return
    }
    // 0x80..0xfe: padding and reserved skippable chunks; 0x02..0x7f: reserved unskippable ones.
    if (type >= 0x80) return
    if (type !== CHUNK_COMPRESSED && type !== CHUNK_UNCOMPRESSED) throw new CodecError('bad_response', `unknown unskippable snappy chunk type 0x${type.toString(16)}`)
    if (body.length < CHECKSUM) throw new CodecError('bad_response', `snappy data chunk of ${body.length} bytes has no checksum`)
    const crc = (body[0]! | (body[1]! << 8) | (body[2]! << 16) | (body[3]! << 24)) >>> 0
    const payload = body.subarray(CHECKSUM)
    let data = payload
    if (type === CHUNK_COMPRESSED) data = this.decompress(payload)
    else this.checkSize(payload.length)
    if (maskedCrc32c(data) !== crc) throw new CodecError('bad_response', 'snappy chunk checksum mismatch')
    this.out.set(data, this.written)
    this.written += data.length
  }

  private checkSize(size: number): void {
    if (size > MAX_CHUNK_DATA) throw new CodecError('bad_response', `snappy chunk of ${size} bytes exceeds the framing format's ${MAX_CHUNK_DATA}`)
    const left = this.declared - this.written
    if (size > left) throw new CodecError('oversized', `snappy stream expands past its declared length of ${this.declared} bytes`)
  }

  private decompress(block: Uint8Array): Uint8Array {
    // The block starts with its uncompressed length: bound it before snappyjs allocates that much.
    let size: { value: number; length: number } | null
    try {
      size = decodeVarint(block, 0)
    } catch {
      size = null
    }
    if (!size) throw new CodecError('bad_response', 'snappy block has no valid length preamble')
    this.checkSize(size.value)
    try {
      return uncompress(block, size.value)
    } catch (e) {
      throw new CodecError('bad_response', `corrupt snappy block: ${(e as Error).message}`)
    }
  }
}

/** Pure: a whole request as received (the stream closed after it). */
export function decodeRequest(bytes: Uint8Array, bounds: SszBounds): Decoded {
  return decodeWhole(new MessageDecoder('request', bounds), bytes)
}

/** Pure: one whole response chunk as received. */
export function decodeResponse(bytes: Uint8Array, bounds: SszBounds): Decoded {
  return decodeWhole(new MessageDecoder('response', bounds), bytes)
}

function decodeWhole(decoder: MessageDecoder, bytes: Uint8Array): Decoded {
  return decoder.push(bytes) ?? decoder.end()
}
