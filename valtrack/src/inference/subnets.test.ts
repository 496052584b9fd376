import { createHash } from 'node:crypto'
import { bootnodes } from '../discovery/bootnodes.js'
import { parseEnr } from '../discovery/enr.js'
import { rng } from '../testing/random.js'
import { attnetsToSubnets, checkAttnets, computeShuffledIndex, computeSubscribedSubnets, nodeIdToBigInt, shortLivedSubnets, subnetsToAttnets } from './subnets.js'

/**
 * The phase0 spec's pseudo-code, transcribed a second time and literally (bigint arithmetic, byte strings
 * concatenated as the spec writes them), to check the module against.
 */
const H = (b: Buffer) => createHash('sha256').update(b).digest()
const uintToBytes = (n: bigint, size: number) => {
  const b = Buffer.alloc(size)
  for (let i = 0; i < size; i++) b[i] = Number((n >> BigInt(8 * i)) & 0xffn)
  return b
}
function specShuffledIndex(index: bigint, indexCount: bigint, seed: Buffer): bigint {
  for (let currentRound = 0n; currentRound < 90n; currentRound++) {
    const pivot = BigInt(`0x${Buffer.from(H(Buffer.concat([seed, uintToBytes(currentRound, 1)])).subarray(0, 8)).reverse().toString('hex')}`) % indexCount
    const flip = (pivot + indexCount - index) % indexCount
    const position = index > flip ? index : flip
    const source = H(Buffer.concat([seed, uintToBytes(currentRound, 1), uintToBytes(position / 256n, 4)]))
    const byte = BigInt(source[Number((position % 256n) / 8n)]!)
    const bit = (byte >> position % 8n) % 2n
    index = bit ? flip : index
  }
  return index
}
function specSubscribedSubnets(nodeId: bigint, epoch: bigint): number[] {
  const nodeIdPrefix = nodeId >> (256n - 6n)
  const nodeOffset = nodeId % 256n
  const permutationSeed = H(uintToBytes((epoch + nodeOffset) / 256n, 8))
  const permutatedPrefix = specShuffledIndex(nodeIdPrefix, 1n << 6n, permutationSeed)
  return [0n, 1n].map((index) => Number((permutatedPrefix + index) % 64n))
}

const randomNodeId = (r: ReturnType<typeof rng>) => BigInt(`0x${Buffer.from(r.bytes(32)).toString('hex')}`)

describe('compute_subscribed_subnets', () => {
  test('agrees with the literal transcription of the spec for random node ids and epochs', () => {
    const r = rng(21)
    for (let i = 0; i < 150; i++) {
      const nodeId = randomNodeId(r)
      const epoch = r.int(500_000)
      expect([nodeId, epoch, computeSubscribedSubnets(nodeId, epoch)]).toEqual([nodeId, epoch, specSubscribedSubnets(nodeId, BigInt(epoch))])
    }
  })

  test('real nodes: two hoodi EF Lighthouse bootnodes, recorded before genesis (epoch 0), advertise exactly these subnets', () => {
    // bootnodes.hoodi[0] carries attnets 0x0018000000000000 (subnets 11, 12); [2] carries 0x6000000000000000 (5, 6).
    for (const [text, expected] of [
      [bootnodes.hoodi[0], [11, 12]],
      [bootnodes.hoodi[2], [5, 6]],
    ] as const) {
      const r = parseEnr(text)
      if (!r.ok) throw new Error(r.error)
      expect(attnetsToSubnets(r.record.attnets!)).toEqual(expected)
      expect(computeSubscribedSubnets(nodeIdToBigInt(r.record.nodeId)!, 0)).toEqual(expected)
    }
  })

  test('two consecutive subnets modulo 64 (63 wraps to 0)', () => {
    const r = rng(22)
    for (let i = 0; i < 100; i++) {
      const [a, b] = computeSubscribedSubnets(randomNodeId(r), r.int(1_000_000))
      expect(b).toBe((a! + 1) % 64)
    }
  })

  test('constant within a subscription period, which starts where (epoch + node_id % 256) is a multiple of 256', () => {
    const r = rng(23)
    let changedAtBoundary = 0
    for (let i = 0; i < 20; i++) {
      const nodeId = randomNodeId(r)
      const offset = Number(nodeId % 256n)
      const start = 256 * (5 + r.int(1000)) - offset
      const inPeriod = computeSubscribedSubnets(nodeId, start)
      expect(computeSubscribedSubnets(nodeId, start + 255)).toEqual(inPeriod)
      expect(computeSubscribedSubnets(nodeId, start + r.int(256))).toEqual(inPeriod)
      if (computeSubscribedSubnets(nodeId, start - 1)[0] !== inPeriod[0]) changedAtBoundary++
    }
    // A new period draws a new permutation: the subnets move (they stay put with probability 1/64).
    expect(changedAtBoundary).toBeGreaterThanOrEqual(17)
  })

  test('other network configs: SUBNETS_PER_NODE and the period length are honoured', () => {
    const nodeId = randomNodeId(rng(24))
    const three = computeSubscribedSubnets(nodeId, 1000, { EPOCHS_PER_SUBNET_SUBSCRIPTION: 256, SUBNETS_PER_NODE: 3 })
    expect(three.slice(0, 2)).toEqual(computeSubscribedSubnets(nodeId, 1000))
    expect(three[2]).toBe((three[0]! + 2) % 64)
  })
})

describe('compute_shuffled_index', () => {
  test('is a permutation of 0..63 for any seed', () => {
    const r = rng(25)
    for (let i = 0; i < 5; i++) {
      const seed = Buffer.from(r.bytes(32))
      const image = Array.from({ length: 64 }, (_, k) => computeShuffledIndex(k, 64, seed))
      expect([...image].sort((x, y) => x - y)).toEqual(Array.from({ length: 64 }, (_, k) => k))
      expect(image).toEqual(Array.from({ length: 64 }, (_, k) => Number(specShuffledIndex(BigInt(k), 64n, seed))))
    }
  })

  test('an index outside the list is a programming error', () => {
    expect(() => computeShuffledIndex(64, 64, new Uint8Array(32))).toThrow(RangeError)
  })
})

describe('attnets bitfield', () => {
  test('bit i of byte i/8, least significant first; subnets 0 and 63 included', () => {
    expect(attnetsToSubnets(Buffer.from('0100000000000080', 'hex'))).toEqual([0, 63])
    expect(attnetsToSubnets(Buffer.from('0018000000000000', 'hex'))).toEqual([11, 12])
    expect(attnetsToSubnets(new Uint8Array(8).fill(0xff))).toHaveLength(64)
    expect(attnetsToSubnets(new Uint8Array(8))).toEqual([])
  })

  test('round trip', () => {
    const r = rng(26)
    for (let i = 0; i < 50; i++) {
      const subnets = [...new Set(Array.from({ length: r.int(64) }, () => r.int(64)))].sort((a, b) => a - b)
      expect(attnetsToSubnets(subnetsToAttnets(subnets))).toEqual(subnets)
    }
    expect(Buffer.from(subnetsToAttnets([0, 63])).toString('hex')).toBe('0100000000000080')
  })

  test('a subnet outside 0..63 is refused', () => {
    expect(() => subnetsToAttnets([64])).toThrow(/subnet 64 outside 0..63/)
    expect(() => subnetsToAttnets([-1])).toThrow(RangeError)
  })

  test('node ids: 64 hex digits only', () => {
    expect(nodeIdToBigInt('00'.repeat(31) + '0a')).toBe(10n)
    expect(nodeIdToBigInt('0a')).toBeNull()
    expect(nodeIdToBigInt('zz'.repeat(32))).toBeNull()
  })
})

describe('attnets against the spec, and short-lived subnets', () => {
  test('match, all (subscribe-all), superset, differs', () => {
    expect(checkAttnets(subnetsToAttnets([11, 12]), [11, 12])).toBe('match')
    expect(checkAttnets(new Uint8Array(8).fill(0xff), [11, 12])).toBe('all')
    expect(checkAttnets(subnetsToAttnets([11, 12, 40]), [11, 12])).toBe('superset')
    expect(checkAttnets(subnetsToAttnets([12, 13]), [11, 12])).toBe('differs')
    expect(checkAttnets(new Uint8Array(8), [11, 12])).toBe('differs')
  })

  test('the real hoodi Lighthouse bootnode matches its computed subnets', () => {
    const r = parseEnr(bootnodes.hoodi[0])
    if (!r.ok) throw new Error(r.error)
    expect(checkAttnets(r.record.attnets!, computeSubscribedSubnets(nodeIdToBigInt(r.record.nodeId)!, 0))).toBe('match')
  })

  test('short-lived = subscribed minus long-lived, 0..63 (0 counted), unique, ascending', () => {
    expect(shortLivedSubnets([63, 0, 11, 12, 5, 5], [11, 12])).toEqual([0, 5, 63])
    expect(shortLivedSubnets([11, 12], [11, 12])).toEqual([])
    expect(shortLivedSubnets([64, -1, 1.5, 3], [])).toEqual([3])
  })
})
