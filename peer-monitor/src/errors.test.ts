import { HttpRequestError, MethodNotFoundRpcError, ResponseBodyTooLargeError, RpcRequestError, TimeoutError } from 'viem'
import { classifyError, ConnectionClosedError, HttpStatusError, MalformedResponseError, OversizedResponseError, TooManyEntriesError } from './errors'

describe('classifyError', () => {
  it('recognises the admin namespace being disabled and gives a hint', () => {
    const inner = new RpcRequestError({
      body: {},
      url: 'http://x',
      error: { code: -32601, message: 'the method admin_peers does not exist/is not available' },
    })
    const c = classifyError(new MethodNotFoundRpcError(inner, { method: 'admin_peers' }))
    expect(c.kind).toBe('admin_disabled')
    expect(c.hint).toMatch(/--ws.api/)
    expect(c.hint).toMatch(/--http.api/)
    expect(c.message).toBe('the method admin_peers does not exist/is not available')
  })
  it('timeouts', () => {
    expect(classifyError(new TimeoutError({ body: {}, url: 'http://x' })).kind).toBe('timeout')
  })
  it('connection refused nested in causes', () => {
    const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' })
    const fetchErr = new TypeError('fetch failed', { cause })
    expect(classifyError(new HttpRequestError({ url: 'http://x', cause: fetchErr })).kind).toBe('refused')
  })
  it('HTTP status errors', () => {
    expect(classifyError(new HttpRequestError({ url: 'http://x', status: 500 })).kind).toBe('http')
    expect(classifyError(new HttpStatusError(503, 'http://x')).kind).toBe('http')
  })
  it('malformed JSON', () => {
    let syntax: unknown
    try {
      JSON.parse('{nope')
    } catch (e) {
      syntax = e
    }
    expect(classifyError(new HttpRequestError({ url: 'http://x', cause: syntax as Error })).kind).toBe('malformed')
    expect(classifyError(new MalformedResponseError('x')).kind).toBe('malformed')
  })
  it('oversized', () => {
    expect(classifyError(new ResponseBodyTooLargeError({ size: 10, maxSize: 5 } as never)).kind).toBe('oversized')
    expect(classifyError(new OversizedResponseError(5)).kind).toBe('oversized')
    expect(classifyError(new TooManyEntriesError('admin_peers', 5))).toEqual({ kind: 'oversized', message: 'admin_peers: more than 5 entries, the most the monitor holds per layer' })
  })
  it('other JSON-RPC errors', () => {
    const e = new RpcRequestError({ body: {}, url: 'http://x', error: { code: -32000, message: 'boom' } })
    expect(classifyError(e).kind).toBe('rpc')
  })
  it('closed sockets and unknown errors', () => {
    expect(classifyError(new ConnectionClosedError('closed')).kind).toBe('closed')
    expect(classifyError('weird').kind).toBe('unknown')
    expect(classifyError(new Error('x')).message).toBe('x')
  })
})
