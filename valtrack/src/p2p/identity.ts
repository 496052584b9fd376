/**
 * What the sentry says about itself: its Status (the current fork digest; a node that has synced nothing,
 * finalized and head at genesis with zero roots: Prysm's status check lets a zero root at finalized epoch 0
 * through, to be confirmed by the end-to-end tests against Prysm), its MetaData (no subnets: it does not
 * subscribe to any for good), and the consensus keys of its ENR, built from the same values so that the two
 * never disagree.
 */
import type { ForkState } from '../forks.js'
import { eth2Field } from '../forks.js'
import type { MetaData, Status } from './messages.js'

export function ourStatus(state: ForkState): Status {
  return { forkDigest: state.digest, finalizedRoot: new Uint8Array(32), finalizedEpoch: 0, headRoot: new Uint8Array(32), headSlot: 0, earliestAvailableSlot: 0 }
}

/** `custodyGroupCount`: the network's CUSTODY_REQUIREMENT (4 on mainnet), the least a Fulu node may claim. */
export function ourMetaData(seqNumber: bigint, custodyGroupCount: number): MetaData {
  return { seqNumber, attnets: new Uint8Array(8), syncnets: new Uint8Array(1), custodyGroupCount }
}

/** RLP integers are big-endian without leading zeros; 0 is the empty string. */
function uintBE(n: number): Uint8Array {
  const bytes: number[] = []
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256)
  return Uint8Array.from(bytes)
}

/** The ENR keys eth2, attnets, syncnets and cgc for the current fork state and our MetaData. */
export function ourEnrEntries(state: ForkState, metadata: MetaData): Record<'eth2' | 'attnets' | 'syncnets' | 'cgc', Uint8Array> {
  return {
    eth2: eth2Field(state),
    attnets: metadata.attnets,
    syncnets: metadata.syncnets ?? new Uint8Array(1),
    cgc: uintBE(metadata.custodyGroupCount ?? 0),
  }
}
