import { parseClPeers, parseClPeersBody } from './clPeers'
import { forEachElement, jsonBytes, parseObjectStreamingArray, parseSpan, scanObject } from './jsonScan'

const collect = (text: string, key = 'data') => {
  const elements: unknown[] = []
  const r = parseObjectStreamingArray(jsonBytes(text), key, (e) => elements.push(e))
  return { ...r, elements }
}

describe('parseObjectStreamingArray', () => {
  it.each([
    '{"data":[]}',
    '{"data":[1,"two",{"x":[1,{"y":"]}\\"["}]},[3],null,true,false,-1.5e3]}',
    ' { "meta" : {"count":2} , "data" : [ {"a":1} , {"b":"\\u00e9\\\\"} ] , "z":null } \n',
    '{"data":null,"x":1}',
    '{"data":{"not":"an array"}}',
    '{}',
    '[1,2]',
    '"just a string"',
    '{"other":[1,2],"data":[3]}',
  ])('agrees with JSON.parse: %s', (text) => {
    const { value, elementsStreamed, elements } = collect(text)
    const expected = JSON.parse(text) as Record<string, unknown>
    if (elementsStreamed) {
      expect(elements).toEqual(expected.data)
      expect({ ...(value as object), data: expected.data }).toEqual(expected)
    } else {
      expect(value).toEqual(expected)
      expect(elements).toEqual([])
    }
  })
  it.each([
    '',
    '{',
    '{"data":[1,2',
    '{"data":[1,2]',
    '{"data":[1,,2]}',
    '{"data":[1 2]}',
    '{"data":[{"a":}]}',
    '{"data":[1]} x',
    '{"data":[1],}',
    '{data:[1]}',
    '{"data" [1]}',
    '{"data":["unterminated]}',
    '{"data":[1]]}',
  ])('throws a SyntaxError like JSON.parse: %s', (text) => {
    expect(() => JSON.parse(text)).toThrow(SyntaxError)
    expect(() => collect(text)).toThrow(SyntaxError)
  })
})

describe('scanObject / forEachElement on UTF-8 bytes', () => {
  it('finds members without parsing them, the last of a repeated key winning', () => {
    const bytes = jsonBytes('{"a":[1,2],"b":"x","a":{"k":"ü→🙂"}}')
    const members = scanObject(bytes)!
    expect([...members.keys()]).toEqual(['b', 'a'])
    expect(parseSpan(bytes, members.get('a')!)).toEqual({ k: 'ü→🙂' })
    expect(scanObject(jsonBytes('[1]'))).toBeNull()
  })
  it('hands over the elements of an array one by one, multi-byte characters intact', () => {
    const text = '["é",{"name":"Geth/v1 — ü","caps":["eth/68"]},"🙂\\"x\\"",[],-0.5]'
    const bytes = jsonBytes(text)
    const seen: unknown[] = []
    expect(forEachElement(bytes, { start: 0, end: bytes.length }, (e) => seen.push(e))).toBe(true)
    expect(seen).toEqual(JSON.parse(text))
  })
  it('leaves any other value alone', () => {
    const bytes = jsonBytes('{"x":1}')
    const seen: unknown[] = []
    expect(forEachElement(bytes, { start: 0, end: bytes.length }, (e) => seen.push(e))).toBe(false)
    expect(seen).toEqual([])
  })
  it('keeps "__proto__" an own member, as JSON.parse does', () => {
    const { value } = parseObjectStreamingArray(jsonBytes('{"__proto__":{"polluted":true},"data":[]}'), 'data', () => {})
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype)
    expect((value as Record<string, unknown>).polluted).toBeUndefined()
    expect(Object.keys(value as object)).toEqual(['__proto__', 'data'])
  })
})

describe('parseClPeersBody', () => {
  const body = {
    data: [
      { peer_id: 'a', state: 'connected', direction: 'inbound', last_seen_p2p_address: '/ip4/1.2.3.4/tcp/1' },
      null,
      { state: 'connected' },
      { peer_id: 'b', state: 'disconnected' },
      { peer_id: 'c', agent: 'Lighthouse/v7.0.0-abc/x86_64-linux', direction: 'outbound' },
    ],
    meta: { count: 5 },
  }
  it('gives the same result as parsing the whole body', () => {
    const text = JSON.stringify(body)
    expect(parseClPeersBody(text)).toEqual(parseClPeers(JSON.parse(text)))
    expect(parseClPeersBody(text).items.map((p) => p.id)).toEqual(['a', 'c'])
    expect(parseClPeersBody(text).invalid).toBe(2)
  })
  it('keeps the errors of the whole-body parser for odd shapes', () => {
    expect(parseClPeersBody('{"data":null}')).toEqual({ items: [], invalid: 0, invalidReasons: [] })
    expect(() => parseClPeersBody('{"meta":{}}')).toThrow('missing "data"')
    expect(() => parseClPeersBody('{"data":"x"}')).toThrow('expected an array')
    expect(() => parseClPeersBody('{"data":[{"peer_id":"a"}')).toThrow(SyntaxError)
  })
})
