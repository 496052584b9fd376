import { ENR, SignableENR } from '@chainsafe/enr'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { bootnodes } from './bootnodes.js'
import { type NodeRecord, parseEnr, recordFromEnr } from './enr.js'
import { hex, unhex } from '../testing/random.js'

function record(text: string): NodeRecord {
  const r = parseEnr(text)
  if (!r.ok) throw new Error(r.error)
  return r.record
}

/** A correctly signed record with the given keys (values raw, as they go into the RLP). */
function signed(kvs: Record<string, Uint8Array>, key = secp256k1.utils.randomSecretKey()): string {
  return SignableENR.createV4(key, kvs).encodeTxt()
}

// Expected values below were read from the records with a separate RLP/base64 decoder, and the addresses
// match the comments of the networks' bootstrap_nodes.yaml.
const [tekuMainnet, , prysmMainnet, , , lighthouseMainnet] = bootnodes.mainnet
const efHoodi = bootnodes.hoodi[0]

describe('real bootnode records', () => {
  test('Teku mainnet: ipv4, tcp and udp, no consensus keys', () => {
    const r = record(tekuMainnet)
    expect(r).toMatchObject({ ip: '3.147.37.0', tcp: 9000, udp: 9000, seq: 1n, problems: [] })
    expect(r.eth2).toBeUndefined()
    expect(r.attnets).toBeUndefined()
  })

  test('the node id is keccak256 of the uncompressed public key (EIP-778 "v4")', () => {
    const compressed = '02197590fab4362992911f568e5b82253c30646385c3a61c60f69c4acad14291ac'
    const uncompressed = secp256k1.Point.fromHex(compressed).toBytes(false)
    expect(record(tekuMainnet).nodeId).toBe(hex(keccak_256(uncompressed.subarray(1))))
  })

  test('the peer id is the libp2p identity of the same secp256k1 key (what a dial must reach)', async () => {
    const { privateKeyFromRaw } = await import('@libp2p/crypto/keys')
    const { peerIdFromPrivateKey } = await import('@libp2p/peer-id')
    const key = secp256k1.utils.randomSecretKey()
    const expected = peerIdFromPrivateKey(privateKeyFromRaw(key)).toString()
    expect(record(signed({}, key)).peerId).toBe(expected)
    expect(expected).toMatch(/^16Uiu2/)
  })

  test('Prysm mainnet: eth2 with FAR_FUTURE_EPOCH, empty attnets', () => {
    const r = record(prysmMainnet)
    expect(r.ip).toBe('18.223.219.100')
    expect(r.udp).toBe(9000)
    expect(hex(r.eth2!.forkDigest)).toBe('f5a5fd42')
    expect(hex(r.eth2!.nextForkVersion)).toBe('00000000')
    expect(r.eth2!.nextForkEpoch).toBe(2n ** 64n - 1n)
    expect(hex(r.attnets!)).toBe('0000000000000000')
  })

  test('Lighthouse mainnet: ipv6 and udp6; eth2 announcing Altair (01000000) at epoch 74240', () => {
    const r = record(lighthouseMainnet)
    expect(r).toMatchObject({ ip: '172.105.173.25', ip6: '2400:8907::f03c:92ff:fe6b:a13', udp: 9000, udp6: 9090 })
    expect(hex(r.eth2!.forkDigest)).toBe('b5303f2a')
    expect(hex(r.eth2!.nextForkVersion)).toBe('01000000')
    expect(r.eth2!.nextForkEpoch).toBe(74240n)
  })

  test('EF hoodi: attnets (subnets 11 and 12), syncnets, quic', () => {
    const r = record(efHoodi)
    expect(r).toMatchObject({ ip: '209.38.124.160', tcp: 9000, udp: 9000, quic: 13000, problems: [] })
    expect(hex(r.attnets!)).toBe('0018000000000000')
    expect(hex(r.syncnets!)).toBe('00')
    expect(r.eth2!.nextForkEpoch).toBe(2048n)
  })

  test('every built-in bootnode parses without problems', () => {
    for (const text of Object.values(bootnodes).flat()) expect(record(text).problems).toEqual([])
  })
})

test('a record object (as discv5 hands them over) gives the same record, its text re-encoded', () => {
  expect(recordFromEnr(ENR.decodeTxt(efHoodi))).toEqual({ ok: true, record: record(efHoodi) })
})

describe('malformed consensus keys: left out with a reason, never a crash', () => {
  test.each([
    ['attnets', 7, 'expected 8 bytes, got 7'],
    ['attnets', 9, 'expected 8 bytes, got 9'],
    ['attnets', 0, 'expected 8 bytes, got 0'],
    ['syncnets', 2, 'expected 1 bytes, got 2'],
    ['eth2', 15, 'expected 16 bytes, got 15'],
    ['ip', 5, 'expected 4 bytes, got 5'],
    ['ip6', 4, 'expected 16 bytes, got 4'],
    ['cgc', 9, 'integer of 9 bytes (more than a uint64)'],
  ])('%s of %d bytes', (key, length, reason) => {
    const r = record(signed({ [key]: new Uint8Array(length).fill(1) }))
    expect(r.problems).toEqual([{ key, reason }])
    expect(r).not.toHaveProperty(key === 'cgc' ? 'custodyGroupCount' : key)
  })

  test('syncnets with bits above the 4 sync subnets', () => {
    expect(record(signed({ syncnets: unhex('10') })).problems).toEqual([{ key: 'syncnets', reason: 'bits above 3 set (only 4 exist)' }])
  })

  test('ports: 0 and more than 16 bits are refused', () => {
    const r = record(signed({ tcp: new Uint8Array(0), udp: unhex('010000') }))
    expect(r.problems).toEqual([
      { key: 'tcp', reason: 'port 0 outside 1..65535' },
      { key: 'udp', reason: 'port 65536 outside 1..65535' },
    ])
  })

  test('a record with one bad key keeps its good ones', () => {
    const r = record(signed({ attnets: unhex('01'), syncnets: unhex('0f'), cgc: unhex('80'), ip: unhex('7f000001'), tcp: unhex('2328') }))
    expect(r).toMatchObject({ ip: '127.0.0.1', tcp: 9000, custodyGroupCount: 128 })
    expect(hex(r.syncnets!)).toBe('0f')
    expect(r.problems.map((p) => p.key)).toEqual(['attnets'])
  })
})

describe('records that cannot be decoded: an error result', () => {
  test('not "enr:" text', () => {
    expect(parseEnr('enode://abc@1.2.3.4:30303')).toEqual({ ok: false, error: 'not an ENR: expected text starting with "enr:"' })
  })

  test('a changed value fails the signature check', () => {
    // One base64 digit of the Teku record's ip changed (same length): the signature no longer matches.
    const forged = tekuMainnet.replace('gmlwhAOTJQCJ', 'gmlwhAOTJQGJ')
    expect(forged).not.toBe(tekuMainnet)
    const r = parseEnr(forged)
    expect(r.ok).toBe(false)
    expect(!r.ok && r.error).toMatch(/^invalid ENR: /)
  })

  test('garbage', () => {
    expect(parseEnr('enr:').ok).toBe(false)
    expect(parseEnr('enr:-_-_').ok).toBe(false)
    expect(parseEnr('enr:@@@@').ok).toBe(false)
  })
})
