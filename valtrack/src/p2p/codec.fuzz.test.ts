/**
 * Fuzz and property tests of the codec: random and mutated streams, fed in random pieces, fail only with
 * CodecError and never hold more than the bound; valid streams round-trip whatever the piece boundaries.
 * Seeded: a failure names its seed.
 */
import { CodecError, type Decoded, encodeFramed, encodeResponse, encodeVarint, MAX_ERROR_MESSAGE_BYTES, MessageDecoder, maxFramedLength, type SszBounds, VARINT_MAX_BYTES } from './codec.js'
import { hex, mutate, type Rng, rng } from '../testing/random.js'

const bounds: SszBounds = { minBytes: 0, maxBytes: 2000 }
/** What a decoder may hold at most: the output (declared <= max) and one frame of the largest stream. */
const bound = bounds.maxBytes + 1 + VARINT_MAX_BYTES + maxFramedLength(Math.max(bounds.maxBytes, MAX_ERROR_MESSAGE_BYTES))

/** Splits `bytes` at random points (sometimes not at all, sometimes into single bytes). */
function pieces(r: Rng, bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = []
  let at = 0
  while (at < bytes.length) {
    const n = r.int(4) === 0 ? bytes.length : 1 + r.int(64)
    out.push(bytes.subarray(at, at + n))
    at += n
  }
  return out
}

type Outcome = { decoded: Decoded } | { error: CodecError }

/** Feeds the pieces, then ends the stream; anything thrown but a CodecError fails the test. */
function run(r: Rng, bytes: Uint8Array): Outcome {
  const d = new MessageDecoder('response', bounds)
  try {
    for (const piece of pieces(r, bytes)) {
      const decoded = d.push(piece)
      expect(d.bufferedBytes).toBeLessThanOrEqual(bound)
      if (decoded) return { decoded }
    }
    d.end()
  } catch (e) {
    if (e instanceof CodecError) return { error: e }
    throw e
  }
  throw new Error('end() returned for an incomplete message')
}

/** A valid response with data of random size and compressibility. */
function validStream(r: Rng): { data: Uint8Array; bytes: Uint8Array } {
  const n = r.int(bounds.maxBytes + 1)
  const alphabet = 1 + r.int(256)
  const data = Uint8Array.from({ length: n }, () => r.int(alphabet))
  return { data, bytes: encodeResponse(data) }
}

test('random bytes, bare or behind a valid header, never crash the decoder', () => {
  const r = rng(1)
  const header = Uint8Array.from([0, ...encodeVarint(100), ...encodeFramed(new Uint8Array(0))])
  const classes = new Set<string>()
  for (let i = 0; i < 4000; i++) {
    const noise = r.bytes(r.int(300))
    const outcome = run(r, r.int(2) === 0 ? noise : Uint8Array.from([...header, ...noise]))
    if ('error' in outcome) classes.add(outcome.error.errorClass)
  }
  // A sanity check that the inputs reach every failure path, not just the first byte.
  expect([...classes].sort()).toEqual(['bad_response', 'oversized', 'truncated'])
})

test.each(Array.from({ length: 20 }, (_, i) => i + 100))('mutated valid streams fail only with CodecError (seed %d)', (seed) => {
  const r = rng(seed)
  for (let i = 0; i < 100; i++) {
    let { bytes } = validStream(r)
    for (let m = 1 + r.int(3); m > 0; m--) bytes = mutate(r, bytes)
    const outcome = run(r, bytes)
    // A mutation that leaves a valid message must decode to a message within the bounds.
    if ('decoded' in outcome) expect(outcome.decoded.ssz.length).toBeLessThanOrEqual(bounds.maxBytes)
  }
})

test.each(Array.from({ length: 20 }, (_, i) => i + 200))('valid streams round-trip in any pieces (seed %d)', (seed) => {
  const r = rng(seed)
  for (let i = 0; i < 50; i++) {
    const { data, bytes } = validStream(r)
    const outcome = run(r, bytes)
    if (!('decoded' in outcome)) throw outcome.error
    expect(hex(outcome.decoded.ssz)).toBe(hex(data))
    expect(outcome.decoded.rest.length).toBe(0)
  }
})

test('a single flipped bit in the data of a stored chunk is caught by the checksum', () => {
  const r = rng(300)
  for (let i = 0; i < 50; i++) {
    // Incompressible data goes in uncompressed chunks: a flip in the data changes only the checksum check.
    const data = r.bytes(100 + r.int(900))
    const bytes = encodeResponse(data)
    const at = bytes.length - 1 - r.int(data.length)
    bytes[at]! ^= 1 << r.int(8)
    const outcome = run(r, bytes)
    expect('error' in outcome && outcome.error.errorClass).toBe('bad_response')
  }
})
