import type { Connection, Stream } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { classifyFailure } from '../failures.js'
import { TestHosts, override, peerIdentity, unhandle } from '../testing/p2pHosts.js'
import { ResultCode, encodeFramed, encodeRequest, encodeResponse, encodeVarint } from './codec.js'
import type { SentryHost } from './host.js'
import { decodeMetaData, decodeStatus, encodeStatus, protocolId } from './messages.js'
import { ErrorResponse, readMessage, request } from './reqresp.js'
import { MessageDecoder } from './codec.js'

const hosts = new TestHosts()
afterEach(() => hosts.stopAll())

const signal = () => AbortSignal.timeout(5000)

async function pair(): Promise<{ server: SentryHost; conn: Connection }> {
  const server = await hosts.start()
  const client = await hosts.start()
  const conn = await client.libp2p.dial(multiaddr(server.multiaddrs[0]!), { signal: signal() })
  return { server, conn }
}

/** The class of what `p` rejects with; fails the test if it resolves. */
async function failureOf(p: Promise<unknown>): Promise<{ cls: string; error: unknown }> {
  try {
    await p
  } catch (error) {
    return { cls: classifyFailure(error), error }
  }
  throw new Error('expected a failure')
}

const statusRequest = (v: number) => encodeStatus(v as 1 | 2, peerIdentity().status)

test('status: status/2 is selected first and its body is the peer answer', async () => {
  const { conn } = await pair()
  const res = await request(conn, 'status', statusRequest, { signal: signal() })
  expect(res.protocol).toBe(protocolId('status', 2))
  expect(decodeStatus(2, res.ssz)).toEqual(peerIdentity().status)
})

test('status/1 against a peer without status/2: the request body is encoded for version 1', async () => {
  const { server, conn } = await pair()
  await unhandle(server, ['status', 2])
  // A status/2 body (92 bytes) would be refused by a status/1 handler (84 bytes at most) with an error response.
  const res = await request(conn, 'status', statusRequest, { signal: signal() })
  expect(res.version).toBe(1)
  const { earliestAvailableSlot: _, ...v1 } = peerIdentity().status
  expect(decodeStatus(1, res.ssz)).toEqual(v1)
})

test('metadata: an empty request, answered at once, is read (reader attached before closing)', async () => {
  const { server, conn } = await pair()
  // Answer before the requester has even closed its side.
  await override(server, 'metadata', 3, async (stream) => {
    stream.send(encodeResponse(ssz3()))
    await stream.close()
  })
  const res = await request(conn, 'metadata', () => null, { signal: signal() })
  expect(res.version).toBe(3)
  expect(decodeMetaData(3, res.ssz).seqNumber).toBe(42n)
})

const ssz3 = () => {
  const { metadata } = peerIdentity()
  return new Uint8Array([...bigintLE(metadata.seqNumber), ...metadata.attnets, ...metadata.syncnets!, 8, 0, 0, 0, 0, 0, 0, 0])
}
const bigintLE = (v: bigint) => Array.from({ length: 8 }, (_, i) => Number((v >> BigInt(8 * i)) & 0xffn))

/** A status/2 handler on `server` that writes `bytes` and closes. */
async function answerWith(server: SentryHost, bytes: Uint8Array): Promise<void> {
  await override(server, 'status', 2, async (stream) => {
    stream.send(bytes)
    await stream.close()
  })
}

test('a response declaring more than status/2 allows is oversized, before the body arrives', async () => {
  const { server, conn } = await pair()
  await answerWith(server, Uint8Array.of(0, ...encodeVarint(10_000_000)))
  expect((await failureOf(request(conn, 'status', statusRequest, { signal: signal() }))).cls).toBe('oversized')
})

test('a response cut short is truncated', async () => {
  const { server, conn } = await pair()
  const full = encodeResponse(statusRequest(2))
  await answerWith(server, full.subarray(0, full.length - 5))
  expect((await failureOf(request(conn, 'status', statusRequest, { signal: signal() }))).cls).toBe('truncated')
})

test('garbage is bad_response', async () => {
  const { server, conn } = await pair()
  await answerWith(server, Uint8Array.of(0, 92, 0x00, 0x05, 0, 0, 0, 1, 2, 3, 4, 5))
  expect((await failureOf(request(conn, 'status', statusRequest, { signal: signal() }))).cls).toBe('bad_response')
})

test('a non-zero result code is bad_response carrying the error message', async () => {
  const { server, conn } = await pair()
  await answerWith(server, encodeResponse(new TextEncoder().encode('rate limited'), ResultCode.resourceUnavailable))
  const { cls, error } = await failureOf(request(conn, 'status', statusRequest, { signal: signal() }))
  expect(cls).toBe('bad_response')
  expect(error).toBeInstanceOf(ErrorResponse)
  expect((error as ErrorResponse).resultCode).toBe(3)
  expect((error as ErrorResponse).errorMessage).toBe('rate limited')
})

test('a peer resetting the stream: reset', async () => {
  const { server, conn } = await pair()
  await override(server, 'status', 2, (stream) => stream.abort(new Error('go away')))
  const f = await failureOf(request(conn, 'status', statusRequest, { signal: signal() }))
  expect(f.cls).toBe('reset')
})

test('a peer that never answers: the signal ends the request as a timeout', async () => {
  const { server, conn } = await pair()
  const held: Stream[] = []
  await override(server, 'status', 2, (stream) => void held.push(stream))
  expect((await failureOf(request(conn, 'status', statusRequest, { signal: AbortSignal.timeout(300) }))).cls).toBe('timeout')
})

test('a protocol the peer does not speak: protocol_unsupported', async () => {
  const { server, conn } = await pair()
  await unhandle(server, ['metadata', 3], ['metadata', 2], ['metadata', 1])
  expect((await failureOf(request(conn, 'metadata', () => null, { signal: signal() }))).cls).toBe('protocol_unsupported')
})

describe('the inbound side (serve, through the host handlers)', () => {
  async function raw(conn: Connection, id: string, bytes: Uint8Array) {
    const stream = await conn.newStream(id, { signal: signal() })
    const reading = readMessage(stream, new MessageDecoder('response', { minBytes: 0, maxBytes: 200 }), signal())
    stream.send(bytes)
    await stream.close()
    return reading
  }

  test('a malformed request gets an invalidRequest error response', async () => {
    const { conn } = await pair()
    const res = await raw(conn, protocolId('status', 2), Uint8Array.of(...encodeVarint(92), ...encodeFramed(new Uint8Array(10)).subarray(0, 12)))
    expect(res.result).toBe(ResultCode.invalidRequest)
  })

  test('an oversized request gets an invalidRequest error response', async () => {
    const { conn } = await pair()
    const res = await raw(conn, protocolId('ping', 1), encodeRequest(new Uint8Array(9)))
    expect(res.result).toBe(ResultCode.invalidRequest)
    expect(new TextDecoder().decode(res.ssz)).toMatch(/exceeds/)
  })

  test('ping is answered with our metadata sequence number', async () => {
    const { conn } = await pair()
    const res = await raw(conn, protocolId('ping', 1), encodeRequest(new Uint8Array(8)))
    expect(res.result).toBe(0)
    expect(Buffer.from(res.ssz).readBigUInt64LE()).toBe(42n)
  })
})
