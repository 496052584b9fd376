import { createHash } from 'node:crypto'
import { bootnodes } from './discovery/bootnodes.js'
import { parseEnr } from './discovery/enr.js'
import { eth2Field, FAR_FUTURE_EPOCH, type ForkState, forkSchedule, watchForks } from './forks.js'
import { ManualClock } from './testing/manualClock.js'
import { builtinNetwork, customNetwork, type Network } from './networks.js'

/**
 * The spec's compute_fork_digest, re-derived here from the consensus specs (phase0 and Fulu), independent of
 * @lodestar/config: hash_tree_root(ForkData) of a 4-byte version and a 32-byte root is sha256 over the two
 * 32-byte chunks; since Fulu the root is xor-ed with sha256(uint64_le(blob epoch) ++ uint64_le(max blobs)).
 */
function specDigest(versionHex: string, gvrHex: string, blobs?: { epoch: number; maxBlobs: number }): string {
  const sha = (b: Buffer) => createHash('sha256').update(b).digest()
  const root = sha(Buffer.concat([Buffer.from(versionHex, 'hex'), Buffer.alloc(28), Buffer.from(gvrHex, 'hex')]))
  if (!blobs) return root.subarray(0, 4).toString('hex')
  const params = Buffer.alloc(16)
  params.writeBigUInt64LE(BigInt(blobs.epoch), 0)
  params.writeBigUInt64LE(BigInt(blobs.maxBlobs), 8)
  const mix = sha(params)
  return Buffer.from(root.map((b, i) => b ^ mix[i]!))
    .subarray(0, 4)
    .toString('hex')
}

// Mainnet, as published (genesis, fork versions and epochs, blob schedule): typed here, not read from lodestar.
const mainnetGvr = '4b363db94e286120d76eb905340fdd4e54bfe9f06bf33ff6cf5ad27f511bfe95'
const mainnetGenesisMs = 1606824023 * 1000
const epochMs = 32 * 12 * 1000
const epochTime = (epoch: number) => mainnetGenesisMs + epoch * epochMs

describe('mainnet', () => {
  const at = forkSchedule(builtinNetwork('mainnet'))

  test('phase0 at genesis, and before it: the well-known b5303f2a', () => {
    expect(specDigest('00000000', mainnetGvr)).toBe('b5303f2a')
    expect(at(mainnetGenesisMs).digestHex).toBe('b5303f2a')
    expect(at(mainnetGenesisMs - 86_400_000)).toMatchObject({ epoch: 0, digestHex: 'b5303f2a', fork: 'phase0' })
  })

  test('the digest changes exactly at the Altair epoch, and the boundary is announced', () => {
    const before = at(epochTime(74240) - 1)
    expect(before).toMatchObject({ epoch: 74239, digestHex: 'b5303f2a', next: { epoch: 74240, timeMs: epochTime(74240), digestHex: specDigest('01000000', mainnetGvr) } })
    expect(at(epochTime(74240))).toMatchObject({ fork: 'altair', digestHex: specDigest('01000000', mainnetGvr) })
  })

  test('Electra (05000000) until Fulu; the ENR eth2 field announces Fulu (06000000 at 411392)', () => {
    const s = at(epochTime(400_000))
    expect(s.digestHex).toBe(specDigest('05000000', mainnetGvr))
    expect(Buffer.from(s.nextForkVersion).toString('hex')).toBe('06000000')
    expect(s.nextForkEpoch).toBe(411392n)
    expect(s.next?.epoch).toBe(411392)
  })

  test('Fulu mixes in the blob parameters: Electra\'s (9 blobs from 364032) until the first BPO', () => {
    const fulu = specDigest('06000000', mainnetGvr, { epoch: 364032, maxBlobs: 9 })
    expect(at(epochTime(411392)).digestHex).toBe(fulu)
    expect(at(epochTime(411392)).next).toEqual({ epoch: 412672, timeMs: epochTime(412672), digestHex: specDigest('06000000', mainnetGvr, { epoch: 412672, maxBlobs: 15 }) })
  })

  test('each BPO changes the digest without a fork; after the last one nothing is scheduled', () => {
    expect(at(epochTime(412672)).digestHex).toBe(specDigest('06000000', mainnetGvr, { epoch: 412672, maxBlobs: 15 }))
    const late = at(Date.UTC(2026, 11, 1))
    expect(late).toMatchObject({ fork: 'fulu', digestHex: specDigest('06000000', mainnetGvr, { epoch: 419072, maxBlobs: 21 }) })
    expect(late.next).toBeUndefined()
    expect(Buffer.from(late.nextForkVersion).toString('hex')).toBe('06000000')
    expect(late.nextForkEpoch).toBe(FAR_FUTURE_EPOCH)
  })

  test('agrees with real mainnet Lighthouse bootnode records (phase0 era: digest b5303f2a, Altair announced)', () => {
    const r = parseEnr(bootnodes.mainnet[5])
    if (!r.ok) throw new Error(r.error)
    const s = at(epochTime(1000))
    expect(Buffer.from(r.record.eth2!.forkDigest).toString('hex')).toBe(s.digestHex)
    expect(r.record.eth2!.nextForkVersion).toEqual(s.nextForkVersion)
    expect(r.record.eth2!.nextForkEpoch).toBe(s.nextForkEpoch)
  })
})

describe('testnets, checked against their own bootnode records', () => {
  test('hoodi before Electra: the EF bootnode advertises our digest and Electra (60000910) at 2048', () => {
    const r = parseEnr(bootnodes.hoodi[0])
    if (!r.ok) throw new Error(r.error)
    const s = forkSchedule(builtinNetwork('hoodi'))(1742213400 * 1000 + 100 * epochMs)
    expect(s.digestHex).toBe(Buffer.from(r.record.eth2!.forkDigest).toString('hex'))
    expect(Buffer.from(s.nextForkVersion).toString('hex')).toBe('60000910')
    expect(s.nextForkEpoch).toBe(2048n)
  })

  test('sepolia at genesis: the EF bootnodes advertise its digest', () => {
    const r = parseEnr(bootnodes.sepolia[0])
    if (!r.ok) throw new Error(r.error)
    expect(forkSchedule(builtinNetwork('sepolia'))(1655733600 * 1000).digestHex).toBe(Buffer.from(r.record.eth2!.forkDigest).toString('hex'))
  })
})

describe('a custom devnet (every fork at genesis, a BPO at epoch 5, 6-second slots)', () => {
  const yaml = `
PRESET_BASE: 'mainnet'
CONFIG_NAME: 'valtrack-devnet'
GENESIS_FORK_VERSION: 0x10000038
ALTAIR_FORK_VERSION: 0x20000038
ALTAIR_FORK_EPOCH: 0
BELLATRIX_FORK_VERSION: 0x30000038
BELLATRIX_FORK_EPOCH: 0
CAPELLA_FORK_VERSION: 0x40000038
CAPELLA_FORK_EPOCH: 0
DENEB_FORK_VERSION: 0x50000038
DENEB_FORK_EPOCH: 0
ELECTRA_FORK_VERSION: 0x60000038
ELECTRA_FORK_EPOCH: 0
FULU_FORK_VERSION: 0x70000038
FULU_FORK_EPOCH: 0
SECONDS_PER_SLOT: 6
BLOB_SCHEDULE:
  - EPOCH: 0
    MAX_BLOBS_PER_BLOCK: 9
  - EPOCH: 5
    MAX_BLOBS_PER_BLOCK: 12
`
  const gvr = 'ab'.repeat(32)
  const genesisTime = 1_800_000_000
  const network = (): Network => {
    const n = customNetwork(yaml, { genesisTime, genesisValidatorsRoot: Buffer.from(gvr, 'hex') }, [])
    if (!n.ok) throw new Error(n.error)
    return n.value
  }

  test('named by CONFIG_NAME; Fulu from genesis with the epoch-0 blob parameters', () => {
    expect(network().name).toBe('valtrack-devnet')
    const s = forkSchedule(network())(genesisTime * 1000)
    expect(s).toMatchObject({ fork: 'fulu', epoch: 0, digestHex: specDigest('70000038', gvr, { epoch: 0, maxBlobs: 9 }) })
  })

  test('the BPO at epoch 5 is the next boundary, timed with 6-second slots', () => {
    const s = forkSchedule(network())(genesisTime * 1000 + 1000)
    expect(s.next).toEqual({ epoch: 5, timeMs: (genesisTime + 5 * 32 * 6) * 1000, digestHex: specDigest('70000038', gvr, { epoch: 5, maxBlobs: 12 }) })
    expect(forkSchedule(network())((genesisTime + 5 * 32 * 6) * 1000).digestHex).toBe(s.next!.digestHex)
  })
})

describe('the eth2 ENR value of our own record', () => {
  test("equals, byte for byte, a real mainnet Lighthouse bootnode's (phase0, Altair at 74240)", () => {
    const at = forkSchedule(builtinNetwork('mainnet'))
    // The record's eth2 value as read with a separate RLP decoder.
    expect(Buffer.from(eth2Field(at(epochTime(1000)))).toString('hex')).toBe('b5303f2a010000000022010000000000')
  })

  test('with nothing scheduled: the current version and FAR_FUTURE_EPOCH', () => {
    const late = forkSchedule(builtinNetwork('mainnet'))(Date.UTC(2026, 11, 1))
    expect(Buffer.from(eth2Field(late)).toString('hex')).toBe(`${late.digestHex}06000000ffffffffffffffff`)
  })
})

describe('watchForks: the digest follows the clock without a restart', () => {
  const schedule = forkSchedule(builtinNetwork('mainnet'))
  const day = 86_400_000

  test('a boundary 40 days ahead (beyond node timer range) fires exactly once, at its time, then the BPOs', () => {
    const fulu = epochTime(411392)
    const clock = new ManualClock(fulu - 40 * day)
    const changes: { at: number; state: ForkState }[] = []
    const w = watchForks(schedule, clock, (state) => changes.push({ at: clock.now(), state }))
    expect(w.current().fork).toBe('electra')
    clock.advance(40 * day - 1)
    expect(changes).toEqual([])
    expect(w.current().digestHex).toBe(specDigest('05000000', mainnetGvr))
    clock.advance(1)
    expect(changes.map((c) => [c.at, c.state.digestHex])).toEqual([[fulu, specDigest('06000000', mainnetGvr, { epoch: 364032, maxBlobs: 9 })]])
    clock.advance(epochTime(419072) - fulu)
    expect(changes.map((c) => c.at)).toEqual([fulu, epochTime(412672), epochTime(419072)])
    expect(w.current().digestHex).toBe(specDigest('06000000', mainnetGvr, { epoch: 419072, maxBlobs: 21 }))
    // Nothing scheduled after the last BPO: no timer left behind.
    expect(clock.pendingTimers).toBe(0)
  })

  test('stop() leaves no timer and no further change', () => {
    const clock = new ManualClock(epochTime(411392) - day)
    const changes: ForkState[] = []
    const w = watchForks(schedule, clock, (s) => changes.push(s))
    w.stop()
    expect(clock.pendingTimers).toBe(0)
    clock.advance(2 * day)
    expect(changes).toEqual([])
  })
})
