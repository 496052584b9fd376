import { ssz } from '@lodestar/types'
import { CodecError, decodeRequest, decodeResponse, encodeRequest, encodeResponse } from './codec.js'
import {
  bodyBounds,
  decodeMetaData,
  decodeStatus,
  decodeUint64,
  encodeMetaData,
  encodeStatus,
  encodeUint64,
  GoodbyeReason,
  goodbyeReasonName,
  parseProtocolId,
  protocolIds,
  type Status,
} from './messages.js'
import { codecErrorClass } from '../testing/codecError.js'
import { hex, unhex } from '../testing/random.js'

const le64 = (n: number) => {
  const b = Buffer.alloc(8)
  b.writeBigUInt64LE(BigInt(n))
  return b.toString('hex')
}

const status: Status = {
  forkDigest: unhex('f5a5fd42'),
  finalizedRoot: new Uint8Array(32).fill(0x11),
  finalizedEpoch: 300_000,
  headRoot: new Uint8Array(32).fill(0x22),
  headSlot: 9_600_031,
}
// The spec's container layout, written out: fork_digest, finalized_root, finalized_epoch, head_root, head_slot.
const statusV1Hex = `f5a5fd42${'11'.repeat(32)}${le64(300_000)}${'22'.repeat(32)}${le64(9_600_031)}`

describe('protocol ids', () => {
  test('newest version first, in the spec format', () => {
    expect(protocolIds('status')).toEqual(['/eth2/beacon_chain/req/status/2/ssz_snappy', '/eth2/beacon_chain/req/status/1/ssz_snappy'])
    expect(protocolIds('metadata')).toEqual([
      '/eth2/beacon_chain/req/metadata/3/ssz_snappy',
      '/eth2/beacon_chain/req/metadata/2/ssz_snappy',
      '/eth2/beacon_chain/req/metadata/1/ssz_snappy',
    ])
    expect(protocolIds('ping')).toEqual(['/eth2/beacon_chain/req/ping/1/ssz_snappy'])
    expect(protocolIds('goodbye')).toEqual(['/eth2/beacon_chain/req/goodbye/1/ssz_snappy'])
  })

  test('parsing: ours only', () => {
    expect(parseProtocolId('/eth2/beacon_chain/req/metadata/2/ssz_snappy')).toEqual({ name: 'metadata', version: 2 })
    expect(parseProtocolId('/eth2/beacon_chain/req/metadata/4/ssz_snappy')).toBeNull()
    expect(parseProtocolId('/eth2/beacon_chain/req/beacon_blocks_by_range/2/ssz_snappy')).toBeNull()
    expect(parseProtocolId('/eth2/beacon_chain/req/status/1/ssz')).toBeNull()
    expect(parseProtocolId('/meshsub/1.1.0')).toBeNull()
    expect(parseProtocolId('/eth2/beacon_chain/req/toString/1/ssz_snappy')).toBeNull()
  })
})

describe('bounds (the spec sizes: every one of these types is fixed-size)', () => {
  test.each([
    ['status', 1, 'response', 84],
    ['status', 2, 'response', 92],
    ['status', 2, 'request', 92],
    ['ping', 1, 'request', 8],
    ['goodbye', 1, 'request', 8],
    ['metadata', 1, 'response', 16],
    ['metadata', 2, 'response', 17],
    ['metadata', 3, 'response', 25],
  ] as const)('%s/%d %s: %d bytes', (name, version, side, size) => {
    expect(bodyBounds(name, version, side)).toEqual({ minBytes: size, maxBytes: size })
  })

  test('unknown versions, a MetaData request body and a Goodbye response are programming errors', () => {
    expect(() => bodyBounds('status', 3, 'response')).toThrow(/no status version 3; known: 2, 1/)
    expect(() => bodyBounds('metadata', 2, 'request')).toThrow(/empty stream/)
    expect(() => bodyBounds('goodbye', 1, 'response')).toThrow(RangeError)
  })
})

describe('Status', () => {
  test('status/1 is the 84-byte container', () => {
    expect(hex(encodeStatus(1, status))).toBe(statusV1Hex)
    expect(decodeStatus(1, unhex(statusV1Hex))).toEqual(status)
  })

  test('status/2 appends earliest_available_slot', () => {
    const v2 = { ...status, earliestAvailableSlot: 9_000_000 }
    expect(hex(encodeStatus(2, v2))).toBe(statusV1Hex + le64(9_000_000))
    expect(decodeStatus(2, unhex(statusV1Hex + le64(9_000_000)))).toEqual(v2)
  })

  test('agrees with lodestar serialising the same value', () => {
    expect(encodeStatus(2, { ...status, earliestAvailableSlot: 5 })).toEqual(ssz.fulu.Status.serialize({ ...status, earliestAvailableSlot: 5 }))
  })

  test('the whole request on the wire, and back through the codec', () => {
    const wire = encodeRequest(encodeStatus(1, status))
    // varint(84) = 0x54, then the stream identifier.
    expect(hex(wire.subarray(0, 11))).toBe('54ff060000734e61507059')
    const { ssz: body } = decodeRequest(wire, bodyBounds('status', 1, 'request'))
    expect(decodeStatus(1, body)).toEqual(status)
  })

  test('a status/1 body sent on status/2 is refused by the bounds as bad_response', () => {
    expect(codecErrorClass(() => decodeResponse(encodeResponse(encodeStatus(1, status)), bodyBounds('status', 2, 'response')))).toBe('bad_response')
  })

  test('bytes of the wrong length handed to decodeStatus: bad_response, not a crash', () => {
    expect(() => decodeStatus(1, unhex('00'))).toThrow(CodecError)
  })
})

describe('MetaData', () => {
  const attnets = unhex('0100000000000080') // subnets 0 and 63
  test('metadata/1: seq_number, attnets', () => {
    const bytes = encodeMetaData(1, { seqNumber: 7n, attnets })
    expect(hex(bytes)).toBe(`${le64(7)}0100000000000080`)
    expect(decodeMetaData(1, bytes)).toEqual({ seqNumber: 7n, attnets })
  })

  test('metadata/2 adds syncnets (1 byte, 4 bits)', () => {
    const bytes = encodeMetaData(2, { seqNumber: 7n, attnets, syncnets: unhex('0a') })
    expect(hex(bytes)).toBe(`${le64(7)}0100000000000080` + '0a')
    expect(decodeMetaData(2, bytes)).toEqual({ seqNumber: 7n, attnets, syncnets: unhex('0a') })
  })

  test('metadata/3 adds custody_group_count', () => {
    const m = { seqNumber: 2n ** 63n + 5n, attnets, syncnets: unhex('0f'), custodyGroupCount: 128 }
    const bytes = encodeMetaData(3, m)
    expect(hex(bytes)).toBe('0500000000000080' + '0100000000000080' + '0f' + le64(128))
    expect(decodeMetaData(3, bytes)).toEqual(m)
  })

  test('syncnets with a padding bit set (only 4 sync subnets exist) is bad_response', () => {
    expect(() => decodeMetaData(2, unhex(`${le64(1)}0000000000000000` + '10'))).toThrow(CodecError)
  })

  test('a response from a real encoder path: framed, decoded, parsed', () => {
    const m = { seqNumber: 1n, attnets, syncnets: unhex('01'), custodyGroupCount: 4 }
    const { ssz: body } = decodeResponse(encodeResponse(encodeMetaData(3, m)), bodyBounds('metadata', 3, 'response'))
    expect(decodeMetaData(3, body)).toEqual(m)
  })
})

describe('Ping and Goodbye', () => {
  test('a uint64, little-endian', () => {
    expect(hex(encodeUint64(258n))).toBe('0201000000000000')
    expect(decodeUint64(unhex('ffffffffffffffff'), 'ping')).toBe(2n ** 64n - 1n)
    expect(() => decodeUint64(unhex('0102'), 'goodbye')).toThrow(CodecError)
  })

  test('reason codes and names', () => {
    expect(encodeUint64(GoodbyeReason.irrelevantNetwork)).toEqual(unhex('0200000000000000'))
    expect(goodbyeReasonName(129n)).toBe('tooManyPeers')
    expect(goodbyeReasonName(1n)).toBe('clientShutdown')
    expect(goodbyeReasonName(77n)).toBe('unknown_77')
  })
})
