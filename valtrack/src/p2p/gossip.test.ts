import { applySubscriptions, attestationSubnetOfTopic, attestationTopic } from './gossip.js'

const digest = 'aabbccdd'
const topic = (n: number | string, d = digest) => `/eth2/${d}/beacon_attestation_${n}/ssz_snappy`

describe('attestationSubnetOfTopic', () => {
  test.each([0, 1, 9, 10, 63])('subnet %i', (n) => expect(attestationSubnetOfTopic(topic(n), digest)).toBe(n))

  test.each([
    ['subnet 64', topic(64)],
    ['subnet 100', topic(100)],
    ['a leading zero', topic('01')],
    ['a negative subnet', topic(-1)],
    ['another fork digest', topic(3, '11223344')],
    ['a sync committee topic', `/eth2/${digest}/sync_committee_3/ssz_snappy`],
    ['the block topic', `/eth2/${digest}/beacon_block/ssz_snappy`],
    ['another encoding', `/eth2/${digest}/beacon_attestation_3/ssz`],
    ['trailing text', `${topic(3)}x`],
  ])('%s: null', (_, t) => expect(attestationSubnetOfTopic(t, digest)).toBeNull())

  test('the digest may be given with 0x and in upper case', () => {
    expect(attestationSubnetOfTopic(topic(7), '0xAABBCCDD')).toBe(7)
  })

  test('attestationTopic is its inverse', () => {
    for (let n = 0; n < 64; n++) expect(attestationSubnetOfTopic(attestationTopic(`0x${digest}`, n), digest)).toBe(n)
  })
})

describe('applySubscriptions', () => {
  const sub = (n: number, subscribe = true) => ({ topic: topic(n), subscribe })

  test('subnet 0 counts (the original looped 1..64)', () => {
    expect([...applySubscriptions(new Set(), [sub(0)], digest)]).toEqual([0])
  })

  test('an unsubscribe removes, and never adds (the original counted it as a subscription)', () => {
    expect([...applySubscriptions(new Set([5, 6]), [sub(5, false)], digest)]).toEqual([6])
    expect([...applySubscriptions(new Set(), [sub(9, false)], digest)]).toEqual([])
  })

  test('changes apply in order; other topics are ignored; the input set is not changed', () => {
    const before = new Set([1])
    const after = applySubscriptions(before, [sub(2), sub(2, false), sub(3, false), sub(3), { topic: '/eth2/aabbccdd/beacon_block/ssz_snappy', subscribe: true }], digest)
    expect([...after].sort()).toEqual([1, 3])
    expect([...before]).toEqual([1])
  })
})
