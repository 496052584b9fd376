/**
 * Long-lived attestation subnets, as the phase0 p2p spec derives them from a node id (compute_subscribed_subnets),
 * and the attnets bitfield (Bitvector[64]) as hex and as a subnet list. Subnets are 0..63 inclusive: the
 * original looped 1..64 and never counted subnet 0.
 */
import { createHash } from 'node:crypto'
import type { ChainConfig } from '@lodestar/config'
import { chainConfig as mainnetDefaults } from '@lodestar/config/default'
import { ATTESTATION_SUBNET_COUNT, ATTESTATION_SUBNET_PREFIX_BITS, SHUFFLE_ROUND_COUNT } from '@lodestar/params'

const NODE_ID_BITS = 256

const sha256 = (...parts: Uint8Array[]) => {
  const h = createHash('sha256')
  for (const p of parts) h.update(p)
  return h.digest()
}

/**
 * The hashes compute_shuffled_index needs for one seed: per round a pivot, and per round and 256-position
 * block a source. They do not depend on the index, so one table serves every index shuffled with the seed.
 */
class ShuffleRounds {
  private readonly pivots: number[]
  private readonly sources = new Map<number, Buffer>()

  constructor(
    private readonly seed: Uint8Array,
    readonly indexCount: number,
    readonly rounds: number,
  ) {
    this.pivots = Array.from({ length: rounds }, (_, r) => Number(sha256(seed, Uint8Array.of(r)).readBigUInt64LE(0) % BigInt(indexCount)))
  }

  /** shuffle(this, index), remembered: the consumer shuffles one of 64 prefixes per peer with a period's seed. */
  private readonly shuffled = new Map<number, number>()

  shuffledIndex(index: number): number {
    let i = this.shuffled.get(index)
    if (i === undefined) {
      i = shuffle(this, index)
      this.shuffled.set(index, i)
    }
    return i
  }

  pivot(round: number): number {
    return this.pivots[round]!
  }

  bit(round: number, position: number): number {
    const block = Math.floor(position / 256)
    const key = round * 2 ** 24 + block
    let source = this.sources.get(key)
    if (!source) {
      const blockBytes = Buffer.alloc(4)
      blockBytes.writeUInt32LE(block)
      source = sha256(this.seed, Uint8Array.of(round), blockBytes)
      this.sources.set(key, source)
    }
    return (source[Math.floor((position % 256) / 8)]! >> (position % 8)) & 1
  }
}

function shuffle(t: ShuffleRounds, index: number): number {
  if (!(index >= 0 && index < t.indexCount)) throw new RangeError(`index ${index} outside 0..${t.indexCount - 1}`)
  let i = index
  for (let round = 0; round < t.rounds; round++) {
    const flip = (t.pivot(round) + t.indexCount - i) % t.indexCount
    if (t.bit(round, Math.max(i, flip))) i = flip
  }
  return i
}

/** The spec's compute_shuffled_index (swap-or-not, SHUFFLE_ROUND_COUNT rounds: 90 on the mainnet preset). */
export function computeShuffledIndex(index: number, indexCount: number, seed: Uint8Array, rounds: number = SHUFFLE_ROUND_COUNT): number {
  return shuffle(new ShuffleRounds(seed, indexCount, rounds), index)
}

/** Pure: a 256-bit node id (64 hex digits, as NodeRecord.nodeId) as a number; null if it is not one. */
export function nodeIdToBigInt(nodeId: string): bigint | null {
  return /^[0-9a-fA-F]{64}$/.test(nodeId) ? BigInt(`0x${nodeId}`) : null
}

/** The two network-config values the computation depends on (256 and 2 on every public network). */
export type SubnetConfig = Pick<ChainConfig, 'EPOCHS_PER_SUBNET_SUBSCRIPTION' | 'SUBNETS_PER_NODE'>

/**
 * The round hashes of recent periods' seeds. At any epoch every node is in one of two periods (its offset
 * shifts the boundary), so the consumer, computing this for thousands of peers, hashes 180 times per period
 * instead of per peer. Bounded: the last few periods are kept.
 */
const periodRounds = new Map<bigint, ShuffleRounds>()
const PERIODS_KEPT = 8

function roundsForPeriod(period: bigint): ShuffleRounds {
  let t = periodRounds.get(period)
  if (!t) {
    const seed = Buffer.alloc(8)
    seed.writeBigUInt64LE(period)
    t = new ShuffleRounds(sha256(seed), 1 << ATTESTATION_SUBNET_PREFIX_BITS, SHUFFLE_ROUND_COUNT)
    if (periodRounds.size >= PERIODS_KEPT) periodRounds.delete(periodRounds.keys().next().value!)
    periodRounds.set(period, t)
  }
  return t
}

/** Pure: the SUBNETS_PER_NODE attestation subnets a node with this id subscribes to at `epoch`, in index order. */
export function computeSubscribedSubnets(nodeId: bigint, epoch: number, config: SubnetConfig = mainnetDefaults): number[] {
  const perPeriod = BigInt(config.EPOCHS_PER_SUBNET_SUBSCRIPTION)
  const prefix = Number(nodeId >> BigInt(NODE_ID_BITS - ATTESTATION_SUBNET_PREFIX_BITS))
  const period = (BigInt(epoch) + (nodeId % perPeriod)) / perPeriod
  const permuted = roundsForPeriod(period).shuffledIndex(prefix)
  return Array.from({ length: config.SUBNETS_PER_NODE }, (_, i) => (permuted + i) % ATTESTATION_SUBNET_COUNT)
}

/** Pure: the subnets set in an attnets bitfield (bit i of byte i/8, least significant first), ascending. */
export function attnetsToSubnets(attnets: Uint8Array): number[] {
  const out: number[] = []
  for (let subnet = 0; subnet < attnets.length * 8; subnet++) if ((attnets[subnet >> 3]! >> (subnet & 7)) & 1) out.push(subnet)
  return out
}

/** Pure: the 8-byte attnets bitfield with these subnets set. */
export function subnetsToAttnets(subnets: Iterable<number>): Uint8Array {
  const out = new Uint8Array(ATTESTATION_SUBNET_COUNT / 8)
  for (const s of subnets) {
    if (!Number.isInteger(s) || s < 0 || s >= ATTESTATION_SUBNET_COUNT) throw new RangeError(`subnet ${s} outside 0..${ATTESTATION_SUBNET_COUNT - 1}`)
    out[s >> 3]! |= 1 << (s & 7)
  }
  return out
}

/**
 * How a peer's advertised attnets compare with the long-lived subnets the spec assigns its node id:
 * "match" (exactly those), "all" (every subnet: --subscribe-all-subnets), "superset" (those and more, e.g.
 * an aggregator's extra long-lived ones), "differs" (some assigned subnet missing: an older client, a period
 * just turned, or a node id that is not the one it claims).
 */
export type AttnetsCheck = 'match' | 'all' | 'superset' | 'differs'

/** Pure: see AttnetsCheck. */
export function checkAttnets(attnets: Uint8Array, longLived: readonly number[]): AttnetsCheck {
  const advertised = new Set(attnetsToSubnets(attnets))
  if (!longLived.every((s) => advertised.has(s))) return 'differs'
  if (advertised.size === ATTESTATION_SUBNET_COUNT) return 'all'
  return advertised.size === new Set(longLived).size ? 'match' : 'superset'
}

/**
 * Pure: the short-lived subnets among a peer's gossip subscriptions: attestation subnets 0..63 it subscribed
 * to that are not long-lived ones, ascending. Those follow validator duties: a node with any hosts validators.
 */
export function shortLivedSubnets(subscribed: Iterable<number>, longLived: Iterable<number>): number[] {
  const long = new Set(longLived)
  return [...new Set(subscribed)].filter((s) => Number.isInteger(s) && s >= 0 && s < ATTESTATION_SUBNET_COUNT && !long.has(s)).sort((a, b) => a - b)
}
