import { MalformedResponseError } from './errors'
import { encodeRequest, parseRpcMessage } from './jsonRpc'
import { jsonBytes, parseSpan } from './jsonScan'

const parse = (text: string) => parseRpcMessage(jsonBytes(text))

describe('encodeRequest', () => {
  it('writes a JSON-RPC 2.0 request', () => {
    expect(JSON.parse(encodeRequest(7, 'admin_peers', []))).toEqual({ jsonrpc: '2.0', id: 7, method: 'admin_peers', params: [] })
  })
})

describe('parseRpcMessage', () => {
  it('leaves a result unparsed, as a span of the bytes', () => {
    const m = parse('{"jsonrpc":"2.0","id":3,"result":[{"id":"ab"},null]}')
    expect(m).toMatchObject({ kind: 'response', id: 3, error: null })
    if (m.kind !== 'response' || !m.result) throw new Error('expected a result')
    expect(parseSpan(m.bytes, m.result)).toEqual([{ id: 'ab' }, null])
  })
  it('reads a result of null and members in any order', () => {
    const m = parse(' { "result" : null , "id" : "x1" , "jsonrpc" : "2.0" } ')
    if (m.kind !== 'response' || !m.result) throw new Error('expected a result')
    expect(m.id).toBe('x1')
    expect(parseSpan(m.bytes, m.result)).toBeNull()
  })
  it('reads an error object', () => {
    expect(parse('{"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"the method admin_peers does not exist/is not available"}}')).toMatchObject({
      kind: 'response',
      id: 1,
      result: null,
      error: { code: -32601, message: 'the method admin_peers does not exist/is not available' },
    })
  })
  it("reads geth's admin_subscription notifications", () => {
    const text = '{"jsonrpc":"2.0","method":"admin_subscription","params":{"subscription":"0xabc","result":{"type":"add","peer":"ff"}}}'
    expect(parse(text)).toEqual({ kind: 'notification', method: 'admin_subscription', subscription: '0xabc', result: { type: 'add', peer: 'ff' } })
  })
  it.each([
    ['[1,2]', 'not an object'],
    ['{"jsonrpc":"2.0","id":1}', 'neither result nor error'],
    ['{"jsonrpc":"2.0","id":{"x":1},"result":1}', 'with id'],
    ['{"jsonrpc":"2.0","result":1}', 'with id undefined'],
    ['{"jsonrpc":"2.0","id":1,"error":"boom"}', 'malformed error'],
    ['{"jsonrpc":"2.0","method":"admin_subscription"}', 'without params'],
  ])('rejects JSON that is no JSON-RPC message: %s', (text, message) => {
    expect(() => parse(text)).toThrow(MalformedResponseError)
    expect(() => parse(text)).toThrow(message)
  })
  it.each(['', '{"jsonrpc":"2.0","id":1,"result":[{"id":', 'not json', '{"id":1,"result":[1]} trailing'])('throws a SyntaxError for text that is not JSON: %j', (text) => {
    expect(() => parse(text)).toThrow(SyntaxError)
  })
})
