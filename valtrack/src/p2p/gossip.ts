/**
 * A peer's gossipsub subscriptions to attestation subnets. Its subscriptions arrive in the hello packet of
 * its gossipsub stream and in later updates; gossipsub reports each as a 'subscription-change' event. An
 * UNSUBSCRIBE removes the subnet (the original counted unsubscriptions as subscriptions) and subnet 0 is a
 * subnet like any other (the original looped 1..64).
 */
import type { GossipSub, Subscription, SubscriptionChangeData } from '@libp2p/gossipsub'
import { ATTESTATION_SUBNET_COUNT } from '@lodestar/params'

const ATTESTATION_TOPIC = /^\/eth2\/([0-9a-f]{8})\/beacon_attestation_(0|[1-9][0-9]?)\/ssz_snappy$/

/** Pure: the subnet (0..63) of an attestation topic on fork digest `forkDigestHex` (8 hex digits, no 0x); else null. */
export function attestationSubnetOfTopic(topic: string, forkDigestHex: string): number | null {
  const m = ATTESTATION_TOPIC.exec(topic)
  if (!m || m[1] !== forkDigestHex.toLowerCase().replace(/^0x/, '')) return null
  const subnet = Number(m[2])
  return subnet < ATTESTATION_SUBNET_COUNT ? subnet : null
}

/** Pure: the attestation topic of `subnet` on a fork digest. */
export const attestationTopic = (forkDigestHex: string, subnet: number): string =>
  `/eth2/${forkDigestHex.toLowerCase().replace(/^0x/, '')}/beacon_attestation_${subnet}/ssz_snappy`

/** Pure: `subnets` after a batch of subscription changes, applied in order. */
export function applySubscriptions(subnets: ReadonlySet<number>, changes: Subscription[], forkDigestHex: string): Set<number> {
  const next = new Set(subnets)
  for (const { topic, subscribe } of changes) {
    const subnet = attestationSubnetOfTopic(topic, forkDigestHex)
    if (subnet === null) continue
    if (subscribe) next.add(subnet)
    else next.delete(subnet)
  }
  return next
}

export type SubscriptionCollector = {
  /** The subnets the peer is subscribed to now, sorted. */
  subnets(): number[]
  stop(): void
}

/**
 * Follows one peer's attestation-subnet subscriptions from now on. What gossipsub already knows of the peer
 * (a hello that arrived before the collector started) is read first, so that the collector can start late.
 */
export function collectSubscriptions(pubsub: GossipSub, peerId: string, forkDigestHex: string): SubscriptionCollector {
  let subnets = new Set<number>()
  for (let subnet = 0; subnet < ATTESTATION_SUBNET_COUNT; subnet++) {
    if (pubsub.getSubscribers(attestationTopic(forkDigestHex, subnet)).some((p) => p.toString() === peerId)) subnets.add(subnet)
  }
  const onChange = (evt: CustomEvent<SubscriptionChangeData>): void => {
    if (evt.detail.peerId.toString() === peerId) subnets = applySubscriptions(subnets, evt.detail.subscriptions, forkDigestHex)
  }
  pubsub.addEventListener('subscription-change', onChange)
  return {
    subnets: () => [...subnets].sort((a, b) => a - b),
    stop: () => pubsub.removeEventListener('subscription-change', onChange),
  }
}
