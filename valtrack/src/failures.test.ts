import { connect, createServer } from 'node:net'
import { classifyFailure } from './failures.js'
import { CodecError } from './p2p/codec.js'

/** An error shaped as libp2p builds them (its classes set `name`; the cause is what the transport threw). */
const libp2pError = (name: string, cause?: unknown) => Object.assign(new Error(name), { name, cause })

test('a real refused TCP connection on loopback', async () => {
  // A port that was just free: listen on an ephemeral port, then close it.
  const port = await new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
  const error = await new Promise<unknown>((resolve) => connect(port, '127.0.0.1').on('error', resolve))
  expect(classifyFailure(error)).toBe('refused')
})

test.each([
  ['TimeoutError', 'timeout'],
  ['AbortError', 'timeout'],
  ['UnexpectedPeerError', 'identity_mismatch'],
  ['UnsupportedProtocolError', 'protocol_unsupported'],
  ['StreamResetError', 'reset'],
  ['UnexpectedEOFError', 'reset'],
  ['InvalidCryptoExchangeError', 'bad_response'],
  ['IrrelevantNetworkError', 'irrelevant_network'],
  ['EncryptionFailedError', 'bad_response'],
  ['SomethingNewError', 'other'],
])('libp2p %s -> %s', (name, cls) => {
  expect(classifyFailure(libp2pError(name))).toBe(cls)
})

test("AbortSignal.timeout's own error (a DOMException named TimeoutError)", async () => {
  const signal = AbortSignal.timeout(1)
  const reason = await new Promise<unknown>((resolve) => signal.addEventListener('abort', () => resolve(signal.reason)))
  expect(classifyFailure(reason)).toBe('timeout')
})

test('the transport code inside a wrapper wins over the wrapper', () => {
  const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })
  expect(classifyFailure(libp2pError('TimeoutError', refused))).toBe('refused')
  expect(classifyFailure(new AggregateError([libp2pError('Whatever'), Object.assign(new Error('x'), { code: 'ECONNRESET' })]))).toBe('reset')
})

test('codec errors keep their class, however deeply wrapped', () => {
  expect(classifyFailure(libp2pError('DialError', new CodecError('oversized', 'x')))).toBe('oversized')
})

test('anything thrown, even not an Error, or a cycle of causes, is classified', () => {
  expect(classifyFailure('boom')).toBe('other')
  expect(classifyFailure(undefined)).toBe('other')
  const a: { name: string; cause?: unknown } = { name: 'A' }
  a.cause = a
  expect(classifyFailure(a)).toBe('other')
})

test("noise's identity check, as libp2p's upgrader rewraps it (the message alone survives)", () => {
  const message = 'Payload identity key 16Uiu2HAmA does not match expected remote identity key 16Uiu2HAmB'
  expect(classifyFailure(libp2pError('EncryptionFailedError'))).toBe('bad_response')
  expect(classifyFailure(Object.assign(new Error(message), { name: 'EncryptionFailedError' }))).toBe('identity_mismatch')
  expect(classifyFailure(libp2pError('DialError', Object.assign(new Error(message), { name: 'EncryptionFailedError' })))).toBe('identity_mismatch')
})
