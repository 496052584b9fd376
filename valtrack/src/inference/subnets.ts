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

/** The spec's compute_shuffled_index (swap-or-not, SHUFFLE_ROUND_COUNT rounds: 90 on the mainnet preset). */
export function computeShuffledIndex(index: number, indexCount: number, seed: Uint8Array, rounds: number = SHUFFLE_ROUND_COUNT): number {
  if (!(index >= 0 && index < indexCount)) throw new RangeError(`index ${index} outside 0..${indexCount - 1}`)
  let i = index
  for (let round = 0; round < rounds; round++) {
    const r = Uint8Array.of(round)
    const pivot = Number(sha256(seed, r).readBigUInt64LE(0) % BigInt(indexCount))
    const flip = (pivot + indexCount - i) % indexCount
    const position = Math.max(i, flip)
    const block = Buffer.alloc(4)
    block.writeUInt32LE(Math.floor(position / 256))
    const source = sha256(seed, r, block)
    const bit = (source[Math.floor((position % 256) / 8)]! >> (position % 8)) & 1
    if (bit) i = flip
  }
  return i
}

/** Pure: a 256-bit node id (64 hex digits, as NodeRecord.nodeId) as a number; null if it is not one. */
export function nodeIdToBigInt(nodeId: string): bigint | null {
  return /^[0-9a-fA-F]{64}$/.test(nodeId) ? BigInt(`0x${nodeId}`) : null
}

/** The two network-config values the computation depends on (256 and 2 on every public network). */
export type SubnetConfig = Pick<ChainConfig, 'EPOCHS_PER_SUBNET_SUBSCRIPTION' | 'SUBNETS_PER_NODE'>

/** Pure: the SUBNETS_PER_NODE attestation subnets a node with this id subscribes to at `epoch`, in index order. */
export function computeSubscribedSubnets(nodeId: bigint, epoch: number, config: SubnetConfig = mainnetDefaults): number[] {
  const perPeriod = config.EPOCHS_PER_SUBNET_SUBSCRIPTION
  const prefix = Number(nodeId >> BigInt(NODE_ID_BITS - ATTESTATION_SUBNET_PREFIX_BITS))
  const offset = Number(nodeId % BigInt(perPeriod))
  const period = Buffer.alloc(8)
  period.writeBigUInt64LE(BigInt(Math.floor((epoch + offset) / perPeriod)))
  const permuted = computeShuffledIndex(prefix, 1 << ATTESTATION_SUBNET_PREFIX_BITS, sha256(period))
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
