/**
 * A seeded PRNG (mulberry32) for fuzz and property tests: a failing case is reproduced by its seed, printed
 * in the test name.
 */
export type Rng = {
  /** Uniform in [0, 1). */
  next(): number
  /** Integer in [0, n). */
  int(n: number): number
  bytes(n: number): Uint8Array
}

export function rng(seed: number): Rng {
  let s = seed >>> 0
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (n: number) => Math.floor(next() * n)
  return { next, int, bytes: (n) => Uint8Array.from({ length: n }, () => int(256)) }
}

/** One random mutation of `input`: flip a bit, overwrite, insert or delete a byte, truncate, or duplicate a slice. */
export function mutate(r: Rng, input: Uint8Array): Uint8Array {
  const a = Array.from(input)
  const at = r.int(a.length + 1)
  switch (r.int(6)) {
    case 0:
      if (a.length > 0) a[at % a.length]! ^= 1 << r.int(8)
      break
    case 1:
      if (a.length > 0) a[at % a.length] = r.int(256)
      break
    case 2:
      a.splice(at, 0, r.int(256))
      break
    case 3:
      a.splice(at, 1)
      break
    case 4:
      a.length = at
      break
    default:
      a.splice(at, 0, ...a.slice(r.int(a.length + 1), r.int(a.length + 1)))
  }
  return Uint8Array.from(a)
}

export const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')
export const unhex = (s: string) => new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'))
