/**
 * Validator inference from metadata_received events. Pure: no clock, no I/O.
 *
 * Per event (inferFromEvent):
 * - long-lived subnets: compute_subscribed_subnets(node_id, epoch) (subnets.ts), cross-checked with the
 *   MetaData attnets (checkAttnets: 'match' | 'all' | 'superset' | 'differs').
 * - short-lived subnets: the attestation subnets 0..63 the peer subscribed to over gossipsub minus its
 *   long-lived ones. "Long-lived" here is the union of the spec's set at `epoch`, the spec's set at
 *   `epoch - 1` (a node whose period just turned may still be on the old pair for a while) and the subnets the
 *   peer itself advertises in attnets (its own claim of what it keeps). Subtracting more is the conservative
 *   choice: a subnet counted as short-lived must be one the peer has no standing reason to be on.
 *
 * The estimator. Short-lived subscriptions are made by a beacon node for the attestation duties of the
 * validators it serves (an aggregator subscribes ahead of its slot); each distinct short-lived subnet needs at
 * least one validator with a duty on it. So the per-event estimate is a lower bound: the number of distinct
 * short-lived subnets. (Upstream counts them only when exactly 2 long-lived subnets are seen; here the
 * attnets check decides how much the count is trusted instead of discarding it.)
 * - 'all' (a subscribe-all node, or one advertising every subnet): nothing can be short-lived, the estimate
 *   is unknown (null), confidence 0.
 * - the gossip subscriptions include none of the peer's long-lived pairs in full (the spec's now, the spec's
 *   at epoch - 1, or its advertised attnets): the listening window missed (some of) the peer's subscriptions,
 *   or the peer had not joined its topics yet (seen with a Prysm node seconds after its start), so the list is
 *   incomplete: with short-lived subnets seen, the lower bound stands at
 *   low confidence; with none, unknown (null), confidence 0.
 * - otherwise: the count, with a confidence by check: 'match' 0.5, 'superset' 0.4, 'differs' 0.2 (the node
 *   id does not explain the attnets: an old client, another id), except 0.4 when the previous epoch's pair
 *   explains them (basis 'previous_period': the node's period has just turned and it, or our clock, lags).
 *   A count of 0 is an estimate too ("no validator with a duty seen"), at the same confidence.
 *
 * Over time (ValidatorEstimator): per peer (node id), the usable observations (estimate not null) of the last
 * `windowEpochs` epochs of that peer. The estimate is the maximum per-event count in the window (the best
 * lower bound: duties of different validators overlap at one moment; a union over epochs would count one
 * validator's successive duties several times); the mean count is kept as a rate. The confidence combines the
 * observations as independent evidence, 1 - prod(1 - c_i), capped at 0.95: it grows with the number of
 * observations and never reaches certainty.
 */
import { ATTESTATION_SUBNET_COUNT } from '@lodestar/params'
import { type ClientFamily, clientFamilies, clientFamily } from '../clientFamily.js'
import type { MetadataReceivedEvent } from '../events.js'
import { type AttnetsCheck, type SubnetConfig, attnetsToSubnets, checkAttnets, computeSubscribedSubnets, nodeIdToBigInt, subnetsToAttnets } from './subnets.js'

/** The fields of a metadata_received event the inference reads. */
export type InferenceInput = Pick<MetadataReceivedEvent, 'node_id' | 'epoch' | 'subscribed_subnets' | 'client_version' | 'timestamp'> & {
  metadata: Pick<MetadataReceivedEvent['metadata'], 'attnets'>
}

export type Inference = {
  node_id: string
  epoch: number
  /** compute_subscribed_subnets(node_id, epoch), in index order; [] if the node id is malformed. */
  long_lived_subnets: number[]
  /** The subnets set in the MetaData attnets, ascending; [] if the hex is malformed. */
  attnets_subnets: number[]
  /** null when the node id or the attnets cannot be read. */
  attnets_check: AttnetsCheck | null
  short_lived_subnets: number[]
  /** Lower bound on validators with duties at this moment; null = unknown. */
  estimated_validators: number | null
  /** 0..1; 0 whenever the estimate is null. */
  confidence: number
  /** Why the estimate and confidence are what they are (one word). */
  basis: 'subscribe_all' | 'incomplete_subscriptions' | 'malformed' | 'previous_period' | AttnetsCheck
}

/** Per-event confidence of the count, by attnets check (see the module comment). */
export const CHECK_CONFIDENCE: Record<AttnetsCheck, number> = { match: 0.5, superset: 0.4, differs: 0.2, all: 0 }
export const INCOMPLETE_CONFIDENCE = 0.2
/** 'differs' explained by the previous epoch's pair (the node's period turned; it, or our clock, lags). */
export const PREVIOUS_PERIOD_CONFIDENCE = 0.4
export const MAX_CONFIDENCE = 0.95

/** Pure: an attnets hex (0x + 16 hex digits) as bytes; null if it is not one. */
export function attnetsFromHex(hex: string): Uint8Array | null {
  const m = /^(?:0x)?([0-9a-fA-F]{16})$/.exec(hex)
  return m ? Uint8Array.from(Buffer.from(m[1]!, 'hex')) : null
}

const validSubnet = (s: unknown): s is number => Number.isInteger(s) && (s as number) >= 0 && (s as number) < ATTESTATION_SUBNET_COUNT

/** Pure: the inference for one metadata_received event (see the module comment). */
export function inferFromEvent(event: InferenceInput, config?: SubnetConfig): Inference {
  // Every result is one object literal of the same shape (no spreads: V8 gave each spread result a hidden class of its own).
  const result = (
    long_lived_subnets: number[],
    attnets_subnets: number[],
    attnets_check: AttnetsCheck | null,
    short_lived_subnets: number[],
    estimated_validators: number | null,
    confidence: number,
    basis: Inference['basis'],
  ): Inference => ({ node_id: event.node_id, epoch: event.epoch, short_lived_subnets, long_lived_subnets, attnets_subnets, attnets_check, estimated_validators, confidence, basis })
  const id = event.node_id
  const nodeId = nodeIdToBigInt(id.startsWith('0x') ? id.slice(2) : id)
  const attnets = attnetsFromHex(event.metadata.attnets)
  if (nodeId === null || attnets === null || !Number.isSafeInteger(event.epoch) || event.epoch < 0) {
    return result([], attnets ? attnetsToSubnets(attnets) : [], null, [], null, 0, 'malformed')
  }
  const longLived = computeSubscribedSubnets(nodeId, event.epoch, config)
  const attnetsSubnets = attnetsToSubnets(attnets)
  const check = checkAttnets(attnets, longLived)
  if (check === 'all') return result(longLived, attnetsSubnets, check, [], null, 0, 'subscribe_all')
  const previous = event.epoch > 0 ? computeSubscribedSubnets(nodeId, event.epoch - 1, config) : []
  // The valid subscribed subnets as a 64-bit set (two 32-bit words); short-lived: those in no long-lived list.
  let lo = 0
  let hi = 0
  for (const s of event.subscribed_subnets) {
    if (!validSubnet(s)) continue
    if (s < 32) lo |= 1 << s
    else hi |= 1 << (s - 32)
  }
  let longLo = 0
  let longHi = 0
  for (const list of [longLived, previous, attnetsSubnets])
    for (const s of list) {
      if (s < 32) longLo |= 1 << s
      else longHi |= 1 << (s - 32)
    }
  const short: number[] = []
  for (let s = 0; s < 32; s++) if (((lo & ~longLo) >>> s) & 1) short.push(s)
  for (let s = 0; s < 32; s++) if (((hi & ~longHi) >>> s) & 1) short.push(s + 32)
  const subscribed = (s: number) => (s < 32 ? (lo >>> s) & 1 : (hi >>> (s - 32)) & 1) === 1
  // Complete if the peer's own long-lived subnets (by the spec now or just before, or by its attnets) show up.
  const complete = [longLived, previous, attnetsSubnets].some((l) => l.length > 0 && l.every(subscribed))
  if (!complete) {
    return short.length > 0
      ? result(longLived, attnetsSubnets, check, short, short.length, INCOMPLETE_CONFIDENCE, 'incomplete_subscriptions')
      : result(longLived, attnetsSubnets, check, [], null, 0, 'incomplete_subscriptions')
  }
  if (check === 'differs' && previous.length > 0 && checkAttnets(attnets, previous) !== 'differs') {
    return result(longLived, attnetsSubnets, check, short, short.length, PREVIOUS_PERIOD_CONFIDENCE, 'previous_period')
  }
  return result(longLived, attnetsSubnets, check, short, short.length, CHECK_CONFIDENCE[check], check)
}

/**
 * Pure: a row of validator_metadata_events: the event's own fields, and the inference with the subnet lists
 * both as integer lists and as attnets-style hex bitfields.
 */
export function validatorMetadataRow(event: MetadataReceivedEvent, config?: SubnetConfig) {
  const inf = inferFromEvent(event, config)
  const hex = (subnets: number[]) => `0x${Buffer.from(subnetsToAttnets(subnets)).toString('hex')}`
  return {
    ...event,
    long_lived_subnets: inf.long_lived_subnets,
    long_lived_attnets: hex(inf.long_lived_subnets),
    subscribed_attnets: hex(event.subscribed_subnets.filter(validSubnet)),
    short_lived_subnets: inf.short_lived_subnets,
    short_lived_attnets: hex(inf.short_lived_subnets),
    attnets_check: inf.attnets_check,
    estimated_validators: inf.estimated_validators,
    confidence: inf.confidence,
    inference_basis: inf.basis,
  }
}

// ------------------------------------------------------------------------------------------------- over time

export type PeerEstimate = {
  node_id: string
  client_family: ClientFamily
  /** Observations of this peer kept (in the window, usable or not). */
  observations: number
  /** Of them, those with an estimate (not null). */
  usable_observations: number
  /** Max per-event count in the window; null if no usable observation. */
  estimated_validators: number | null
  /** Mean per-event count in the window; null if no usable observation. */
  mean_short_lived: number | null
  /** Whether some usable observation in the window saw short-lived subnets. */
  has_validators: boolean
  confidence: number
  /** The latest observation's check. */
  attnets_check: AttnetsCheck | null
  first_seen_epoch: number
  last_seen_epoch: number
  /** Unix ms of the latest observation. */
  last_seen: number
}

export type EstimatorOptions = {
  /** Observations older than the peer's latest epoch minus this are dropped; default 32 (about 3.4 h). */
  windowEpochs?: number
  /** At most this many observations per peer (the oldest go first); default 64. */
  maxObservationsPerPeer?: number
  config?: SubnetConfig
}

type Observation = { epoch: number; timestamp: number; count: number | null; confidence: number; check: AttnetsCheck | null }
type PeerState = { nodeId: string; family: ClientFamily; firstSeenEpoch: number; obs: Observation[] }

export type FamilySummary = { peers: number; peers_with_validators: number; estimated_validators: number }

export type EstimateSummary = {
  peers: number
  /** Peers with a usable estimate. */
  peers_estimated: number
  /** Peers whose estimate is unknown (subscribe-all, incomplete or malformed observations only). */
  peers_unknown: number
  peers_with_validators: number
  /** Sum of the per-peer lower bounds. */
  total_estimated_validators: number
  by_client_family: Record<ClientFamily, FamilySummary>
  /** Peers by their latest attnets check ('malformed' for null). */
  attnets_checks: Record<AttnetsCheck | 'malformed', number>
}

/** Per-peer estimates of hosted validators over time, from metadata_received events. */
export class ValidatorEstimator {
  private readonly peers = new Map<string, PeerState>()
  private readonly windowEpochs: number
  private readonly maxObs: number
  private readonly config?: SubnetConfig

  constructor(opts: EstimatorOptions = {}) {
    this.windowEpochs = opts.windowEpochs ?? 32
    this.maxObs = opts.maxObservationsPerPeer ?? 64
    this.config = opts.config
  }

  /** Adds one event and returns the peer's updated estimate. */
  observe(event: InferenceInput): PeerEstimate {
    const inf = inferFromEvent(event, this.config)
    const key = event.node_id.replace(/^0x/, '').toLowerCase()
    let p = this.peers.get(key)
    if (!p) {
      p = { nodeId: key, family: clientFamily(event.client_version), firstSeenEpoch: event.epoch, obs: [] }
      this.peers.set(key, p)
    }
    if (event.client_version) p.family = clientFamily(event.client_version)
    p.firstSeenEpoch = Math.min(p.firstSeenEpoch, event.epoch)
    p.obs.push({ epoch: event.epoch, timestamp: event.timestamp, count: inf.estimated_validators, confidence: inf.confidence, check: inf.attnets_check })
    // Events may arrive out of order: keep them sorted by epoch, then time.
    p.obs.sort((a, b) => a.epoch - b.epoch || a.timestamp - b.timestamp)
    const latest = p.obs[p.obs.length - 1]!.epoch
    p.obs = p.obs.filter((o) => o.epoch > latest - this.windowEpochs).slice(-this.maxObs)
    return this.summarise(p)
  }

  /** The peer's current estimate, or undefined if never observed. */
  estimate(nodeId: string): PeerEstimate | undefined {
    const p = this.peers.get(nodeId.replace(/^0x/, '').toLowerCase())
    return p && this.summarise(p)
  }

  /** Every peer's estimate, by node id. */
  estimates(): PeerEstimate[] {
    return [...this.peers.values()].sort((a, b) => (a.nodeId < b.nodeId ? -1 : 1)).map((p) => this.summarise(p))
  }

  /** Forgets peers not seen since `epoch - maxAgeEpochs`; returns how many. */
  prune(epoch: number, maxAgeEpochs = this.windowEpochs): number {
    let n = 0
    for (const [k, p] of this.peers) {
      if (p.obs[p.obs.length - 1]!.epoch <= epoch - maxAgeEpochs) {
        this.peers.delete(k)
        n++
      }
    }
    return n
  }

  get size(): number {
    return this.peers.size
  }

  aggregate(): EstimateSummary {
    const byFamily = Object.fromEntries(clientFamilies.map((f) => [f, { peers: 0, peers_with_validators: 0, estimated_validators: 0 }])) as Record<ClientFamily, FamilySummary>
    const checks: EstimateSummary['attnets_checks'] = { match: 0, superset: 0, differs: 0, all: 0, malformed: 0 }
    const s: EstimateSummary = { peers: 0, peers_estimated: 0, peers_unknown: 0, peers_with_validators: 0, total_estimated_validators: 0, by_client_family: byFamily, attnets_checks: checks }
    for (const e of this.estimates()) {
      s.peers++
      const f = byFamily[e.client_family]
      f.peers++
      checks[e.attnets_check ?? 'malformed']++
      if (e.estimated_validators === null) {
        s.peers_unknown++
        continue
      }
      s.peers_estimated++
      s.total_estimated_validators += e.estimated_validators
      f.estimated_validators += e.estimated_validators
      if (e.has_validators) {
        s.peers_with_validators++
        f.peers_with_validators++
      }
    }
    return s
  }

  private summarise(p: PeerState): PeerEstimate {
    const usable = p.obs.filter((o) => o.count !== null)
    const counts = usable.map((o) => o.count!)
    const last = p.obs[p.obs.length - 1]!
    const confidence = usable.length ? Math.min(MAX_CONFIDENCE, 1 - usable.reduce((q, o) => q * (1 - o.confidence), 1)) : 0
    return {
      node_id: p.nodeId,
      client_family: p.family,
      observations: p.obs.length,
      usable_observations: usable.length,
      estimated_validators: counts.length ? Math.max(...counts) : null,
      mean_short_lived: counts.length ? counts.reduce((a, b) => a + b, 0) / counts.length : null,
      has_validators: counts.some((c) => c > 0),
      confidence: Math.round(confidence * 1e6) / 1e6,
      attnets_check: last.check,
      first_seen_epoch: p.firstSeenEpoch,
      last_seen_epoch: last.epoch,
      last_seen: Math.max(...p.obs.map((o) => o.timestamp)),
    }
  }
}
