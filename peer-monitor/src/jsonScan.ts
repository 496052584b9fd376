/**
 * Parses a JSON object whose one big array (e.g. the beacon API's `{"data":[...10,000 peers...]}`) is handed
 * over element by element: each element is parsed on its own and given to `onElement`, so the whole array is
 * never materialised as one object tree. Every element becomes garbage as soon as the caller has copied
 * what it needs, which keeps V8's young generation from growing (a 5 MB body would otherwise be a ~15 MB tree
 * alive across several scavenges, promoted and copied).
 *
 * Strict: anything JSON.parse would reject throws a SyntaxError (elements and the other values are checked
 * by JSON.parse itself; the scanner checks the structure around them).
 */

const isWs = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09

function skipWs(t: string, i: number): number {
  while (i < t.length && isWs(t.charCodeAt(i))) i++
  return i
}

function fail(t: string, i: number): never {
  throw new SyntaxError(i >= t.length ? 'Unexpected end of JSON input' : `Unexpected token ${JSON.stringify(t[i])} in JSON at position ${i}`)
}

/** Index just after the string starting at `i` (a `"`). */
function endOfString(t: string, i: number): number {
  for (let j = i + 1; j < t.length; j++) {
    const c = t.charCodeAt(j)
    if (c === 0x5c) j++
    else if (c === 0x22) return j + 1
  }
  return fail(t, t.length)
}

/** Index just after the JSON value starting at `i` (structure only; the content is checked by JSON.parse). */
function endOfValue(t: string, i: number): number {
  const c = t.charCodeAt(i)
  if (c === 0x22) return endOfString(t, i)
  if (c === 0x7b || c === 0x5b) {
    let depth = 0
    for (let j = i; j < t.length; j++) {
      const d = t.charCodeAt(j)
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
    const d = t.charCodeAt(j)
    if (d === 0x2c || d === 0x5d || d === 0x7d || isWs(d)) break
    j++
  }
  return j === i ? fail(t, i) : j
}

/**
 * Parses the JSON object `text`. When the value of top-level `key` is an array, its elements go to
 * `onElement` one by one and the returned object has `key: true` (`elementsStreamed` tells); otherwise the
 * value is kept as JSON.parse would give it. A text that is not an object is parsed normally.
 */
export function parseObjectStreamingArray(text: string, key: string, onElement: (element: unknown) => void): { value: unknown; elementsStreamed: boolean } {
  let i = skipWs(text, 0)
  if (text.charCodeAt(i) !== 0x7b) return { value: JSON.parse(text), elementsStreamed: false }
  const out: Record<string, unknown> = {}
  let streamed = false
  i = skipWs(text, i + 1)
  if (text.charCodeAt(i) === 0x7d) {
    if (skipWs(text, i + 1) !== text.length) fail(text, skipWs(text, i + 1))
    return { value: out, elementsStreamed: false }
  }
  for (;;) {
    if (text.charCodeAt(i) !== 0x22) fail(text, i)
    const keyEnd = endOfString(text, i)
    const name = JSON.parse(text.slice(i, keyEnd)) as string
    i = skipWs(text, keyEnd)
    if (text.charCodeAt(i) !== 0x3a) fail(text, i)
    i = skipWs(text, i + 1)
    if (name === key && text.charCodeAt(i) === 0x5b) {
      i = skipWs(text, i + 1)
      if (text.charCodeAt(i) === 0x5d) i++
      else {
        for (;;) {
          const end = endOfValue(text, i)
          onElement(JSON.parse(text.slice(i, end)))
          i = skipWs(text, end)
          const c = text.charCodeAt(i)
          if (c === 0x5d) {
            i++
            break
          }
          if (c !== 0x2c) fail(text, i)
          i = skipWs(text, i + 1)
        }
      }
      out[name] = true
      streamed = true
    } else {
      const end = endOfValue(text, i)
      out[name] = JSON.parse(text.slice(i, end))
      // A repeated key wins like in JSON.parse (last one): a later non-array value replaces the streamed one.
      if (name === key) streamed = false
      i = end
    }
    i = skipWs(text, i)
    const c = text.charCodeAt(i)
    if (c === 0x7d) break
    if (c !== 0x2c) fail(text, i)
    i = skipWs(text, i + 1)
  }
  const rest = skipWs(text, i + 1)
  if (rest !== text.length) fail(text, rest)
  return { value: out, elementsStreamed: streamed }
}
