import { SignableENR } from '@chainsafe/enr'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { parseEnr } from '../discovery/enr.js'
import { forkSchedule } from '../forks.js'
import { builtinNetwork } from '../networks.js'
import { bodyBounds, decodeMetaData, decodeStatus, encodeMetaData, encodeStatus } from './messages.js'
import { ourEnrEntries, ourMetaData, ourStatus } from './identity.js'

const state = forkSchedule(builtinNetwork('hoodi'))(Date.UTC(2026, 11, 1))

test('our status/2 and status/1 carry the current digest and a node at genesis', () => {
  for (const version of [2, 1] as const) {
    const body = encodeStatus(version, ourStatus(state))
    expect(body.length).toBe(bodyBounds('status', version, 'response').maxBytes)
    expect(decodeStatus(version, body)).toMatchObject({ forkDigest: state.digest, finalizedEpoch: 0, headSlot: 0, finalizedRoot: new Uint8Array(32) })
  }
})

test('our ENR, signed and parsed back, agrees with our MetaData and fork state', () => {
  const metadata = ourMetaData(3n, 4)
  const text = SignableENR.createV4(secp256k1.utils.randomSecretKey(), ourEnrEntries(state, metadata)).encodeTxt()
  const r = parseEnr(text)
  if (!r.ok) throw new Error(r.error)
  expect(r.record.problems).toEqual([])
  expect(Buffer.from(r.record.eth2!.forkDigest).toString('hex')).toBe(state.digestHex)
  expect(r.record.eth2!.nextForkEpoch).toBe(state.nextForkEpoch)
  const sent = decodeMetaData(3, encodeMetaData(3, metadata))
  expect(r.record.attnets).toEqual(sent.attnets)
  expect(r.record.syncnets).toEqual(sent.syncnets)
  expect(r.record.custodyGroupCount).toBe(4)
})

test('cgc is a minimal big-endian integer (RLP): 4 is one byte, 128 one byte, 300 two', () => {
  expect(Buffer.from(ourEnrEntries(state, ourMetaData(1n, 4)).cgc).toString('hex')).toBe('04')
  expect(Buffer.from(ourEnrEntries(state, ourMetaData(1n, 128)).cgc).toString('hex')).toBe('80')
  expect(Buffer.from(ourEnrEntries(state, ourMetaData(1n, 300)).cgc).toString('hex')).toBe('012c')
  expect(ourEnrEntries(state, ourMetaData(1n, 0)).cgc.length).toBe(0)
})
