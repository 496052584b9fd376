/**
 * Fuzz: mutated real records (text and bytes) and correctly signed records with random values for every key
 * the sentry reads. parseEnr must return a result for each, never throw; a key is present exactly when its
 * value is well-formed. Seeded.
 */
import { SignableENR } from '@chainsafe/enr'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { bootnodes } from './bootnodes.js'
import { type EnrKey, parseEnr } from './enr.js'
import { mutate, rng } from '../testing/random.js'

const realRecords = Object.values(bootnodes).flat()
const base64url = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

test('mutated record texts: a result, never an exception', () => {
  const r = rng(11)
  let decoded = 0
  for (let i = 0; i < 1500; i++) {
    const text = realRecords[r.int(realRecords.length)]!
    const chars = [...text]
    for (let m = 1 + r.int(3); m > 0; m--) {
      const at = 4 + r.int(chars.length - 4)
      if (r.int(3) === 0) chars.splice(at, 1)
      else chars[at] = base64url[r.int(64)]!
    }
    const result = parseEnr(chars.join(''))
    if (result.ok) decoded++
  }
  // Nearly every change breaks the signature (or the RLP); a few land in ignored base64 padding bits.
  expect(decoded).toBeLessThan(150)
})

test('mutated record bytes (RLP structure, lengths, key names): a result, never an exception', () => {
  const r = rng(12)
  for (let i = 0; i < 3000; i++) {
    const bytes = Buffer.from(realRecords[r.int(realRecords.length)]!.slice(4), 'base64url')
    const mutated = mutate(r, mutate(r, bytes))
    expect(typeof parseEnr(`enr:${Buffer.from(mutated).toString('base64url')}`).ok).toBe('boolean')
  }
})

const wellFormedLength: Record<EnrKey, (v: Uint8Array) => boolean> = {
  ip: (v) => v.length === 4,
  ip6: (v) => v.length === 16,
  tcp: (v) => isPort(v),
  udp: (v) => isPort(v),
  quic: (v) => isPort(v),
  tcp6: (v) => isPort(v),
  udp6: (v) => isPort(v),
  quic6: (v) => isPort(v),
  eth2: (v) => v.length === 16,
  attnets: (v) => v.length === 8,
  syncnets: (v) => v.length === 1 && v[0]! < 16,
  cgc: (v) => v.length <= 8 && uint(v) <= BigInt(Number.MAX_SAFE_INTEGER),
}
const uint = (v: Uint8Array) => v.reduce((a, b) => a * 256n + BigInt(b), 0n)
const isPort = (v: Uint8Array) => v.length <= 8 && uint(v) >= 1n && uint(v) <= 65535n
const fieldOf = (key: EnrKey) => (key === 'cgc' ? 'custodyGroupCount' : key)

test('signed records with random values: each key present exactly when well-formed', () => {
  const r = rng(13)
  const keys = Object.keys(wellFormedLength) as EnrKey[]
  const secret = secp256k1.utils.randomSecretKey(Uint8Array.from({ length: 48 }, (_, i) => i))
  for (let i = 0; i < 150; i++) {
    const kvs: Record<string, Uint8Array> = {}
    for (const key of keys) {
      if (r.int(2) === 0) continue
      // Lengths around the valid ones, values random (ports and cgc often with leading zero bytes).
      kvs[key] = r.bytes(r.int(3) === 0 ? r.int(20) : [4, 16, 2, 8, 7, 1][r.int(6)]!)
    }
    const result = parseEnr(SignableENR.createV4(secret, kvs).encodeTxt())
    if (!result.ok) throw new Error(result.error)
    for (const key of keys) {
      const v = kvs[key]
      const expected = v !== undefined && wellFormedLength[key](v)
      expect([key, fieldOf(key) in result.record]).toEqual([key, expected])
      expect([key, result.record.problems.some((p) => p.key === key)]).toEqual([key, v !== undefined && !expected])
    }
  }
})
