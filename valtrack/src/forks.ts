/**
 * The fork digest in force at a given time, and when it next changes: hard forks and, since Fulu, every
 * blob-parameter (BPO) change, whose parameters are mixed into the digest. Computed by @lodestar/config
 * (whose Fulu digest matched Prysm's ENR exactly); the sentry asks again at each boundary instead of
 * computing the digest once at start, as the original did.
 */
import { type ChainForkConfig, computeForkDigest, createChainForkConfig } from '@lodestar/config'
import { type ForkName, SLOTS_PER_EPOCH } from '@lodestar/params'
import type { Network } from './networks.js'

export type ForkState = {
  epoch: number
  fork: ForkName
  digest: Uint8Array
  /** 8 hex digits, no 0x: how digests appear in events and metrics. */
  digestHex: string
  /** The next change of digest (a fork or a blob-parameter change), if one is scheduled. */
  next?: { epoch: number; timeMs: number; digestHex: string }
  /** For the eth2 ENR field: the next hard fork's version and epoch (the current version and 2^64 - 1 if none). */
  nextForkVersion: Uint8Array
  nextForkEpoch: bigint
}

export const FAR_FUTURE_EPOCH = 2n ** 64n - 1n

/** The state at unix time `nowMs` (before genesis: that of epoch 0). */
export type ForkSchedule = (nowMs: number) => ForkState

const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex')

export function forkSchedule(network: Network): ForkSchedule {
  const config: ChainForkConfig = createChainForkConfig(network.chainConfig)
  const epochMs = config.SLOT_DURATION_MS * SLOTS_PER_EPOCH
  const genesisMs = network.genesisTime * 1000
  const digest = (epoch: number) => computeForkDigest(config, network.genesisValidatorsRoot, epoch)
  const boundaries = config.forkBoundariesAscendingEpochOrder.filter((b) => Number.isFinite(b.epoch))
  const epochAt = (nowMs: number) => Math.max(0, Math.floor((nowMs - genesisMs) / epochMs))

  return (nowMs) => {
    const epoch = epochAt(nowMs)
    const current = digest(epoch)
    const fork = config.getForkInfoAtEpoch(epoch)
    // Boundaries at one epoch (several forks at genesis) or with an unchanged digest are not changes.
    const nextBoundary = boundaries.find((b) => b.epoch > epoch && toHex(digest(b.epoch)) !== toHex(current))
    const nextFork = config.forksAscendingEpochOrder.find((f) => f.epoch > epoch && Number.isFinite(f.epoch))
    return {
      epoch,
      fork: fork.name,
      digest: current,
      digestHex: toHex(current),
      ...(nextBoundary && { next: { epoch: nextBoundary.epoch, timeMs: genesisMs + nextBoundary.epoch * epochMs, digestHex: toHex(digest(nextBoundary.epoch)) } }),
      nextForkVersion: nextFork ? nextFork.version : fork.version,
      nextForkEpoch: nextFork ? BigInt(nextFork.epoch) : FAR_FUTURE_EPOCH,
    }
  }
}
