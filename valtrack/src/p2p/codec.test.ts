import {
  decodeRequest,
  decodeResponse,
  decodeVarint,
  encodeFramed,
  encodeRequest,
  encodeResponse,
  encodeVarint,
  MessageDecoder,
  maxFramedLength,
} from './codec.js'
import { codecErrorClass } from '../testing/codecError.js'
import { hex, rng, unhex } from '../testing/random.js'

const STREAM_ID = 'ff060000734e61507059'
const ping1 = unhex('0100000000000000')
// Masked CRC-32C values below were computed with an independent bitwise implementation (not crc32c.ts).
const ping1Crc = '0175de41'
const zeros64Crc = '69f25079'
const bounds8 = { minBytes: 8, maxBytes: 8 }

describe('varint', () => {
  test.each([
    [0, '00'],
    [1, '01'],
    [127, '7f'],
    [128, '8001'],
    [300, 'ac02'],
    [2 ** 32, '8080808010'],
  ])('%d <-> %s', (value, encoded) => {
    expect(hex(encodeVarint(value))).toBe(encoded)
    expect(decodeVarint(unhex(encoded), 0)).toEqual({ value, length: encoded.length / 2 })
  })

  test('reads at an offset and ignores what follows', () => {
    expect(decodeVarint(unhex('ffff ac02 ff'), 2)).toEqual({ value: 300, length: 2 })
  })

  test('the largest uint64 (9 x ff, 01) is accepted', () => {
    expect(decodeVarint(unhex('ffffffffffffffffff01'), 0)?.length).toBe(10)
  })

  test('incomplete: null (more bytes may come)', () => {
    expect(decodeVarint(unhex(''), 0)).toBeNull()
    expect(decodeVarint(unhex('8080'), 0)).toBeNull()
  })

  test('overlong, overflowing and non-minimal encodings are bad_response', () => {
    expect(codecErrorClass(() => decodeVarint(unhex('ffffffffffffffffffff01'), 0))).toBe('bad_response')
    expect(codecErrorClass(() => decodeVarint(unhex('ffffffffffffffffff02'), 0))).toBe('bad_response')
    expect(codecErrorClass(() => decodeVarint(unhex('8000'), 0))).toBe('bad_response')
    expect(codecErrorClass(() => decodeVarint(unhex('ac8000'), 0))).toBe('bad_response')
  })

  test('encoding refuses what is not a non-negative safe integer', () => {
    expect(() => encodeVarint(-1)).toThrow(RangeError)
    expect(() => encodeVarint(1.5)).toThrow(RangeError)
  })
})

describe('wire framing, hand-written', () => {
  // varint(8), stream identifier, uncompressed chunk (type 01, length 12 = crc + 8 bytes), masked crc, data.
  const pingRequest = `08 ${STREAM_ID} 010c0000 ${ping1Crc} 0100000000000000`

  test('a Ping(1) request: snappy would not shrink 8 bytes, so they go in an uncompressed chunk', () => {
    expect(hex(encodeRequest(ping1))).toBe(pingRequest.replace(/ /g, ''))
    expect(decodeRequest(unhex(pingRequest), bounds8)).toEqual({ result: 0, ssz: ping1, rest: new Uint8Array(0) })
  })

  test('a success response is the result byte 00 and the same bytes', () => {
    expect(hex(encodeResponse(ping1))).toBe(`00${pingRequest.replace(/ /g, '')}`)
    expect(decodeResponse(unhex(`00 ${pingRequest}`), bounds8).ssz).toEqual(ping1)
  })

  // A snappy block made by hand: length 64, a literal of one zero byte (tag 00), a copy of 63 bytes at
  // offset 1 (tag (63-1)<<2 | 2 = fa, offset 0001 little-endian).
  const zeros64 = `40 ${STREAM_ID} 000a0000 ${zeros64Crc} 40 00 00 fa 0100`

  test('a compressed chunk from another encoder decodes', () => {
    expect(decodeRequest(unhex(zeros64), { minBytes: 0, maxBytes: 64 }).ssz).toEqual(new Uint8Array(64))
  })

  test('padding (fe) and reserved skippable chunks (80..fd) are skipped; a repeated stream identifier is fine', () => {
    const stream = `08 ${STREAM_ID} fe020000 abcd 80000000 ${STREAM_ID} 010c0000 ${ping1Crc} 0100000000000000`
    expect(decodeRequest(unhex(stream), bounds8).ssz).toEqual(ping1)
  })

  test('an error response carries an ErrorMessage up to 256 bytes, whatever the expected type allows', () => {
    const message = new TextEncoder().encode('rate limited: try later')
    const decoded = decodeResponse(encodeResponse(message, 139), bounds8)
    expect(decoded.result).toBe(139)
    expect(new TextDecoder().decode(decoded.ssz)).toBe('rate limited: try later')
    expect(codecErrorClass(() => decodeResponse(encodeResponse(new Uint8Array(257), 2), bounds8))).toBe('oversized')
  })

  test('bytes after the message are handed back as rest', () => {
    expect(hex(decodeRequest(unhex(`${pingRequest} 0102`), bounds8).rest)).toBe('0102')
  })

  test('a zero-length body is its varint alone', () => {
    expect(hex(encodeRequest(new Uint8Array(0)))).toBe('00')
    expect(decodeRequest(unhex('00'), { minBytes: 0, maxBytes: 8 }).ssz).toEqual(new Uint8Array(0))
  })
})

describe('malformed input: typed errors', () => {
  const frameOf8 = `${STREAM_ID} 010c0000 ${ping1Crc} 0100000000000000`

  test('a declared length over the limit fails on the prefix alone, before anything else arrives', () => {
    const d = new MessageDecoder('request', { minBytes: 0, maxBytes: 1024 })
    expect(codecErrorClass(() => d.push(encodeVarint(1025)))).toBe('oversized')
    expect(d.bufferedBytes).toBe(0)
    // The decoder stays failed.
    expect(codecErrorClass(() => d.push(unhex('00')))).toBe('oversized')
  })

  test('a declared length over 2^53 (still a valid uint64) is oversized, not a crash', () => {
    expect(codecErrorClass(() => decodeRequest(unhex('ffffffffffffffffff01'), bounds8))).toBe('oversized')
  })

  test('a declared length under the minimum is bad_response', () => {
    expect(codecErrorClass(() => decodeRequest(unhex(`04 ${frameOf8}`), bounds8))).toBe('bad_response')
  })

  test('wrong checksum', () => {
    expect(codecErrorClass(() => decodeRequest(unhex(`08 ${STREAM_ID} 010c0000 0175de42 0100000000000000`), bounds8))).toBe('bad_response')
  })

  test('reserved unskippable chunk types 02..7f', () => {
    expect(codecErrorClass(() => decodeRequest(unhex(`08 ${STREAM_ID} 02010000 00`), bounds8))).toBe('bad_response')
    expect(codecErrorClass(() => decodeRequest(unhex(`08 ${STREAM_ID} 7f010000 00`), bounds8))).toBe('bad_response')
  })

  test('a stream that does not start with the stream identifier', () => {
    expect(codecErrorClass(() => decodeRequest(unhex(`08 010c0000 ${ping1Crc} 0100000000000000`), bounds8))).toBe('bad_response')
  })

  test('a malformed stream identifier', () => {
    expect(codecErrorClass(() => decodeRequest(unhex(`08 ff060000 734e61507058 010c0000`), bounds8))).toBe('bad_response')
  })

  test('a data chunk without room for its checksum', () => {
    expect(codecErrorClass(() => decodeRequest(unhex(`08 ${STREAM_ID} 01020000 0102`), bounds8))).toBe('bad_response')
  })

  test('a stream that expands past its declared length (uncompressed chunk)', () => {
    expect(codecErrorClass(() => decodeRequest(unhex(`04 ${frameOf8}`), { minBytes: 0, maxBytes: 8 }))).toBe('oversized')
  })

  test('a compressed chunk whose block declares more than the message has left, rejected before decompressing', () => {
    // The hand-made 64-zero block in a message that declared 32 bytes.
    expect(codecErrorClass(() => decodeRequest(unhex(`20 ${STREAM_ID} 000a0000 ${zeros64Crc} 40 00 00 fa 0100`), { minBytes: 0, maxBytes: 64 }))).toBe('oversized')
  })

  test('a compressed block with a preamble over 64 KiB is bad_response (the framing format caps chunks)', () => {
    const declared = 70000
    expect(codecErrorClass(() => decodeRequest(unhex(`${hex(encodeVarint(declared))} ${STREAM_ID} 00080000 00000000 f0a20400`), { minBytes: 0, maxBytes: declared }))).toBe(
      'bad_response',
    )
  })

  test('a corrupt snappy block (copy before any literal)', () => {
    expect(codecErrorClass(() => decodeRequest(unhex(`08 ${STREAM_ID} 00080000 00000000 08 1e 0100`), bounds8))).toBe('bad_response')
  })

  test('a frame larger than the stream may be is rejected from its header, before it is buffered', () => {
    const d = new MessageDecoder('request', bounds8)
    // A padding chunk claiming 16 MiB.
    expect(codecErrorClass(() => d.push(unhex(`08 ${STREAM_ID} feffffff`)))).toBe('oversized')
    expect(d.bufferedBytes).toBeLessThanOrEqual(8 + 4)
  })

  test('endless padding is cut at the maximal encoded length', () => {
    const padding = Array.from({ length: 40 }, () => 'fe000000').join('')
    expect(codecErrorClass(() => decodeRequest(unhex(`08 ${STREAM_ID} ${padding} 010c0000 ${ping1Crc} 0100000000000000`), bounds8))).toBe('oversized')
  })

  test.each([
    ['nothing at all', ''],
    ['the result byte only', '00'],
    ['half a varint', '0080'],
    ['the prefix only', '0008'],
    ['half a chunk header', `0008 ${STREAM_ID} 010c`],
    ['half a chunk', `0008 ${STREAM_ID} 010c0000 ${ping1Crc} 01000000`],
  ])('truncated response: %s', (_, bytes) => {
    expect(codecErrorClass(() => decodeResponse(unhex(bytes), bounds8))).toBe('truncated')
  })
})

describe('incremental decoding', () => {
  const message = rng(7).bytes(1000)
  const encoded = encodeResponse(message)

  test('split at every position into two pieces', () => {
    for (let at = 0; at <= encoded.length; at++) {
      const d = new MessageDecoder('response', { minBytes: 0, maxBytes: 1000 })
      const first = d.push(encoded.subarray(0, at))
      const decoded = first ?? d.push(encoded.subarray(at))
      // Compared as hex: jest's deep equality walks a typed array element by element, slowly.
      expect(hex(decoded!.ssz)).toBe(hex(message))
      // Complete only once the last byte is there.
      expect(first === null).toBe(at < encoded.length)
    }
  })

  test('one byte at a time', () => {
    const d = new MessageDecoder('response', { minBytes: 0, maxBytes: 1000 })
    let decoded = null
    for (const b of encoded) decoded = d.push(Uint8Array.of(b))
    expect(decoded?.ssz).toEqual(message)
  })

  test('a piece carrying the message and more bytes: the extra comes back as rest', () => {
    const d = new MessageDecoder('response', { minBytes: 0, maxBytes: 1000 })
    expect(d.push(encoded.subarray(0, 5))).toBeNull()
    const extra = unhex('aabbcc')
    const decoded = d.push(Uint8Array.from([...encoded.subarray(5), ...extra]))
    expect(decoded?.rest).toEqual(extra)
  })

  test('end() hands back the completed message, so a caller may push everything and then end', () => {
    const d = new MessageDecoder('response', { minBytes: 0, maxBytes: 1000 })
    const pushed = d.push(encoded)
    expect(d.end()).toBe(pushed)
  })

  test('push after completion is a programming error, not a codec error', () => {
    const d = new MessageDecoder('request', bounds8)
    d.push(encodeRequest(ping1))
    expect(() => d.push(unhex('00'))).toThrow(/after the message was complete/)
  })
})

describe('round trips', () => {
  test.each([0, 1, 100, 65535, 65536, 65537, 200_000])('%d random (incompressible) bytes', (n) => {
    const data = rng(n).bytes(n)
    expect(decodeRequest(encodeRequest(data), { minBytes: 0, maxBytes: n }).ssz).toEqual(data)
  })

  test('compressible data over several chunks is compressed and within the encoded bound', () => {
    const data = new Uint8Array(150_000).map((_, i) => i % 7)
    const framed = encodeFramed(data)
    expect(framed.length).toBeLessThan(data.length / 4)
    expect(decodeRequest(encodeRequest(data), { minBytes: 0, maxBytes: data.length }).ssz).toEqual(data)
  })

  test('the encoder stays within maxFramedLength, which the decoder enforces', () => {
    for (const n of [1, 8, 84, 1000, 65536, 131073]) expect(encodeFramed(rng(n).bytes(n)).length).toBeLessThanOrEqual(maxFramedLength(n))
  })
})
