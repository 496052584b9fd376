/**
 * Parses JSON held in a Buffer (as it arrives from a socket) whose one big array — the beacon API's
 * `{"data":[...10,000 peers...]}`, geth's `admin_peers` result — is handed over element by element: each
 * element is decoded and parsed on its own, so neither the whole text (a ~5 MB string) nor the whole array
 * (a ~15 MB object tree) ever exists in the JS heap. Both would outlive several young-generation collections
 * while the list is processed, be promoted and stay until the next full GC; one element's objects die young.
 * The bytes stay outside the heap, in the Buffer.
 *
 * The scanner works on UTF-8 bytes: every structural character of JSON is ASCII and no byte of a multi-byte
 * UTF-8 sequence is below 0x80, so positions found by byte value are exact. Strict: anything JSON.parse would
 * reject throws a SyntaxError (elements and the other values are checked by JSON.parse itself; the scanner
 * checks the structure around them). Error positions are byte offsets.
 */

const isWs = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09

/** JSON text as UTF-8 bytes. */
export type JsonBytes = Buffer

/** The bytes of a JSON text given as a string (tests, small bodies). */
export const jsonBytes = (text: string | JsonBytes): JsonBytes => (typeof text === 'string' ? Buffer.from(text, 'utf8') : text)

const decode = (t: JsonBytes, start: number, end: number) => t.toString('utf8', start, end)

function skipWs(t: JsonBytes, i: number): number {
  while (i < t.length && isWs(t[i]!)) i++
  return i
}

function fail(t: JsonBytes, i: number): never {
  throw new SyntaxError(i >= t.length ? 'Unexpected end of JSON input' : `Unexpected token ${JSON.stringify(String.fromCharCode(t[i]!))} in JSON at position ${i}`)
}

/** Index just after the string starting at `i` (a `"`). */
function endOfString(t: JsonBytes, i: number): number {
  for (let j = i + 1; j < t.length; j++) {
    const c = t[j]
    if (c === 0x5c) j++
    else if (c === 0x22) return j + 1
  }
  return fail(t, t.length)
}

/** Index just after the JSON value starting at `i` (structure only; the content is checked by JSON.parse). */
function endOfValue(t: JsonBytes, i: number): number {
  const c = t[i]
  if (c === 0x22) return endOfString(t, i)
  if (c === 0x7b || c === 0x5b) {
    let depth = 0
    for (let j = i; j < t.length; j++) {
      const d = t[j]
      if (d === 0x22) j = endOfString(t, j) - 1
      else if (d === 0x7b || d === 0x5b) depth++
      else if (d === 0x7d || d === 0x5d) {
        if (--depth === 0) return j + 1
      }
    }
    return fail(t, t.length)
  }
  let j = i
  while (j < t.length) {
    const d = t[j]
    if (d === 0x2c || d === 0x5d || d === 0x7d || isWs(d)) break
    j++
  }
  return j === i ? fail(t, i) : j
}

/** Where a value sits in a JSON text: bytes `start` (inclusive) to `end` (exclusive). */
export type Span = { readonly start: number; readonly end: number }

/**
 * The members of the JSON object `text`, each with the span of its value, without parsing the values (a
 * repeated key keeps its last value, as with JSON.parse). The structure around the values is checked here,
 * their content only when they are parsed. `null` when `text` is not an object.
 */
export function scanObject(text: JsonBytes): Map<string, Span> | null {
  let i = skipWs(text, 0)
  if (text[i] !== 0x7b) return null
  const members = new Map<string, Span>()
  i = skipWs(text, i + 1)
  if (text[i] !== 0x7d) {
    for (;;) {
      if (text[i] !== 0x22) fail(text, i)
      const keyEnd = endOfString(text, i)
      const name = JSON.parse(decode(text, i, keyEnd)) as string
      i = skipWs(text, keyEnd)
      if (text[i] !== 0x3a) fail(text, i)
      i = skipWs(text, i + 1)
      const end = endOfValue(text, i)
      members.delete(name) // the last occurrence decides the order too
      members.set(name, { start: i, end })
      i = skipWs(text, end)
      const c = text[i]
      if (c === 0x7d) break
      if (c !== 0x2c) fail(text, i)
      i = skipWs(text, i + 1)
    }
  }
  const rest = skipWs(text, i + 1)
  if (rest !== text.length) fail(text, rest)
  return members
}

/** JSON.parse of one span of `text`. */
export function parseSpan(text: JsonBytes, span: Span): unknown {
  return JSON.parse(decode(text, span.start, span.end))
}

/**
 * When the value at `span` is an array, parses its elements one by one, hands each to `onElement` and returns
 * true; returns false (and calls nothing) for any other value.
 */
export function forEachElement(text: JsonBytes, span: Span, onElement: (element: unknown) => void): boolean {
  if (text[span.start] !== 0x5b) return false
  let i = skipWs(text, span.start + 1)
  if (text[i] !== 0x5d) {
    for (;;) {
      const end = endOfValue(text, i)
      if (end > span.end) fail(text, span.end)
      onElement(JSON.parse(decode(text, i, end)))
      i = skipWs(text, end)
      const c = text[i]
      if (c === 0x5d) break
      if (c !== 0x2c) fail(text, i)
      i = skipWs(text, i + 1)
    }
  }
  if (i + 1 !== span.end) fail(text, i + 1)
  return true
}

/**
 * Parses the JSON object `text`. When the value of top-level `key` is an array, its elements go to
 * `onElement` one by one and the returned object has `key: true` (`elementsStreamed` tells); otherwise the
 * value is kept as JSON.parse would give it. A text that is not an object is parsed normally.
 */
export function parseObjectStreamingArray(text: JsonBytes, key: string, onElement: (element: unknown) => void): { value: unknown; elementsStreamed: boolean } {
  const members = scanObject(text)
  if (!members) return { value: parseSpan(text, { start: 0, end: text.length }), elementsStreamed: false }
  const out: Record<string, unknown> = {}
  let streamed = false
  for (const [name, span] of members) {
    const streamedHere = name === key && forEachElement(text, span, onElement)
    if (streamedHere) streamed = true
    // defineProperty: a "__proto__" member is an own property, as with JSON.parse.
    Object.defineProperty(out, name, { value: streamedHere ? true : parseSpan(text, span), enumerable: true, writable: true, configurable: true })
  }
  return { value: out, elementsStreamed: streamed }
}
