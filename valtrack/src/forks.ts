/**
 * The fork digest in force at a given time, and when it next changes: hard forks and, since Fulu, every
 * blob-parameter (BPO) change, whose parameters are mixed into the digest. Computed by @lodestar/config
 * (whose Fulu digest matched Prysm's ENR exactly); the sentry asks again at each boundary instead of
 * computing the digest once at start, as the original did.
 */
import { type ChainForkConfig, computeForkDigest, createChainForkConfig } from '@lodestar/config'
import { type ForkName, SLOTS_PER_EPOCH } from '@lodestar/params'
import type { Clock, TimerHandle } from './clock.js'
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

/** Pure: the sentry's own ENR eth2 value (ENRForkID: fork digest, next fork version, next fork epoch LE). */
export function eth2Field(state: ForkState): Uint8Array {
  const out = new Uint8Array(16)
  out.set(state.digest, 0)
  out.set(state.nextForkVersion, 4)
  new DataView(out.buffer).setBigUint64(8, state.nextForkEpoch, true)
  return out
}

/** node's setTimeout fires at once for delays over 2^31 - 1 ms (~24.8 days): longer waits are chained. */
const MAX_TIMER_MS = 2 ** 31 - 1

/**
 * Calls `onChange` with the new state at each digest change (fork or BPO), from the clock's time; `current`
 * is always the state at the clock's now. A boundary months away is waited for in steps under node's
 * timer limit, so that no change fires early and none is missed.
 */
export function watchForks(schedule: ForkSchedule, clock: Clock, onChange: (state: ForkState) => void): { current(): ForkState; stop(): void } {
  let state = schedule(clock.now())
  let timer: TimerHandle | undefined
  const arm = () => {
    if (!state.next) return
    timer = clock.setTimeout(tick, Math.min(MAX_TIMER_MS, Math.max(0, state.next.timeMs - clock.now())))
  }
  const tick = () => {
    const now = schedule(clock.now())
    const changed = now.digestHex !== state.digestHex
    state = now
    arm()
    if (changed) onChange(now)
  }
  arm()
  return {
    current: () => state,
    stop: () => {
      if (timer !== undefined) clock.clearTimeout(timer)
      timer = undefined
    },
  }
}
