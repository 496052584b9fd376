/**
 * Long-lived subnet vectors captured from REAL Prysm beacon nodes, and a helper that turns one into a
 * metadata_received event for the inference tests.
 *
 * Captured by src/inference/subnets.devnet.test.ts (its `[vector]` log lines) on 2026-12-01, run 1 at 14:13
 * UTC and run 2 (which also logged the ENR and the first answer of the API) at 14:14 UTC,
 * on this machine, inside a loopback-only network namespace: Prysm v7.1.2 `beacon-chain` (built with
 * go1.25.5, /var/cache/eth-node-e2e/tools.env), a devnet from src/testing/devnet.ts (mainnet preset, every
 * fork through Fulu at epoch 0, 64 genesis validators, genesis = the test's start, no execution client, no
 * validator client). Three nodes: A (no bootnodes), B (--subscribe-all-subnets, bootstrapping from A) and C
 * (bootstrapping from A). Node id from the ENR Prysm serves at /eth/v1/node/identity (parseEnr's nodeId);
 * attnets from the same response's `metadata.attnets` (the ENR's attnets key carried the same value); epoch =
 * floor((now - genesis) / 384 s).
 *
 * Run 3 (14:16 UTC): one node of a devnet whose genesis lay 300 epochs (and 100 s) in the past, so that the
 * clock epoch was 300 while the node's head stayed at the genesis block (no peers, nothing to sync from).
 * Run 4 (14:17 UTC): the final devnet test, both devnets again; kept are its node A, whose pair is [0, 1]
 * (subnet 0, which the original never counted), and its past-genesis node P (epoch 300: [1, 2]; at epoch 0
 * the id would give [62, 63]).
 *
 * What Prysm did: at genesis, with no peers to sync from (--min-sync-peers=0), each node advertised its
 * long-lived attnets already at MetaData seq_number 1 in the very first answer of its beacon API (run 2:
 * 5, 8 and 15 s after genesis, epoch 0), with no wait for sync, for peers or for a later epoch; the subscribe-all node advertised 0xffffffffffffffff. The normal nodes'
 * attnets were exactly compute_subscribed_subnets(node_id, 0).
 */
import type { MetadataReceivedEvent } from '../events.js'

export type PrysmVector = {
  name: string
  /** 64 hex digits, as NodeRecord.nodeId. */
  nodeId: string
  epoch: number
  /** MetaData attnets, as the event carries it. */
  attnets: string
  subscribeAll: boolean
  /** The subnets those attnets hold (ascending), as observed. */
  attnetsSubnets: number[]
  /** The ENR Prysm served (runs 2 to 4): its node id must be `nodeId`, its attnets `attnets`. */
  enr?: string
  /** Which capture run (see above). */
  run: 1 | 2 | 3 | 4
}

export const PRYSM_VERSION = 'Prysm/v7.1.2'

export const prysmVectors: readonly PrysmVector[] = [
  {
    name: 'A',
    run: 1,
    nodeId: 'e3b94ab5750a120fe3c06b283c480ba9706a7ccb7e605c8645fa7da5bf8cbbc5',
    epoch: 0,
    attnets: '0x0000000080010000',
    subscribeAll: false,
    attnetsSubnets: [39, 40],
  },
  {
    name: 'B',
    run: 1,
    nodeId: '949b681f35ea6b7a36c23e2d4fa462922636bb9aa78cf31a7c0b83e83842d6e1',
    epoch: 0,
    attnets: '0xffffffffffffffff',
    subscribeAll: true,
    attnetsSubnets: Array.from({ length: 64 }, (_, i) => i),
  },
  {
    name: 'C',
    run: 1,
    nodeId: '5bb2b93f621f90e33ee346ac78cbec62ee6ec8deeeca04de7b92458bc15c9063',
    epoch: 0,
    attnets: '0x0000000000180000',
    subscribeAll: false,
    attnetsSubnets: [43, 44],
  },
  {
    name: 'A',
    run: 2,
    nodeId: 'a4b03e169182b08fa6d13669ba031a1aa996366397a2ca58c5a102762f32beb2',
    epoch: 0,
    attnets: '0x0000000000300000',
    subscribeAll: false,
    attnetsSubnets: [44, 45],
    enr: 'enr:-NC4QIjGL3RdSPYz6voEPL2TH0714D7Tak4LR1W9jfNv5uyUPrdE_xT6rRzMiqawsymUzJxAT5K115K6J4XZ3flVq56GAaIx9G7Wh2F0dG5ldHOIAAAAAAAwAACDY2djBIRldGgykA3-wExwAAA4__________-CaWSCdjSCaXCEfwAAAYNuZmSEAAAAAIlzZWNwMjU2azGhAxPg20k6YQzLTVP5Jg4hhwHH1KxPgvhcDUtkMNvgTu5NiHN5bmNuZXRzAIN0Y3CCTiCDdWRwgk4h',
  },
  {
    name: 'B',
    run: 2,
    nodeId: 'f2862efc4802eaa5122c9a04d92d6bb201041959dbfae980ec328f35d834e1dd',
    epoch: 0,
    attnets: '0xffffffffffffffff',
    subscribeAll: true,
    attnetsSubnets: Array.from({ length: 64 }, (_, i) => i),
    enr: 'enr:-NC4QP1-m_nBbAf-8Dp7B937rxLVbmk_TCHTtByp6_7iFGQnRQf7f8pcvQaZgn7RSzd_DVSqsUJNZeoMP_mRgzRfWZ6GAaIx9Hz9h2F0dG5ldHOI__________-DY2djBIRldGgykA3-wExwAAA4__________-CaWSCdjSCaXCEfwAAAYNuZmSEAAAAAIlzZWNwMjU2azGhA10IeUqWIFRdHLF_1NA8Q2ly4KtGd8DANkj9HWw4FdhAiHN5bmNuZXRzAIN0Y3CCTiaDdWRwgk4n',
  },
  {
    name: 'C',
    run: 2,
    nodeId: '09db7c2e93886462cc6ff34ea742af7a7d719ae69f425083669b4cdcb3b30560',
    epoch: 0,
    attnets: '0x00000000000c0000',
    subscribeAll: false,
    attnetsSubnets: [42, 43],
    enr: 'enr:-NC4QHD2-jHOZjCoLlmzDRwmZHhzuuD-TQucuN4cYSRZ51E_ez-z2iWmcKQSJmX--wuuR3gJNhvD2a6YHFVd4xxR7ymGAaIx9JgFh2F0dG5ldHOIAAAAAAAMAACDY2djBIRldGgykA3-wExwAAA4__________-CaWSCdjSCaXCEfwAAAYNuZmSEAAAAAIlzZWNwMjU2azGhA5AAPsVQZlaV0MjuqdKWUTLfe3oXPFxDQauK8u-z5qq_iHN5bmNuZXRzAIN0Y3CCTiyDdWRwgk4t',
  },
  {
    name: 'P',
    run: 3,
    nodeId: '7c8971af48ac8f800966cf2227faaef5adf1614bcfc3a319e2200132b61edb51',
    epoch: 300,
    attnets: '0x0000180000000000',
    subscribeAll: false,
    attnetsSubnets: [19, 20],
    enr: 'enr:-NC4QEX9mqYTxXwWewZiTPoOHKxqZI1MJfVVyiuY_LlL7IL0eyAIs5zOcx-mCOsKu8yr9PpsIUC4nq82egiGsBNwN6uGAaIx9dx7h2F0dG5ldHOIAAAYAAAAAACDY2djBIRldGgykA3-wExwAAA4__________-CaWSCdjSCaXCEfwAAAYNuZmSEAAAAAIlzZWNwMjU2azGhA3oWoBdINJQvd6Ai72h3XKYPAbCiKHONmTRjzimUZO7wiHN5bmNuZXRzAIN0Y3CCTiCDdWRwgk4h',
  },
  {
    name: 'A',
    run: 4,
    nodeId: 'd8040c4b580947e68ce526da7c43354ccb9d332229a01b9d95eef5397dfa857e',
    epoch: 0,
    attnets: '0x0300000000000000',
    subscribeAll: false,
    attnetsSubnets: [0, 1],
    enr: 'enr:-NC4QGxGd0ctjrUeW2VvFlLCNtXHCpkzIYM1Dh-wVAzba4dRedMboyzxIdg6rj1RL0b7Akk0F8RHRx-PmtPq9sqmxeqGAaIx92gfh2F0dG5ldHOIAwAAAAAAAACDY2djBIRldGgykA3-wExwAAA4__________-CaWSCdjSCaXCEfwAAAYNuZmSEAAAAAIlzZWNwMjU2azGhAlBIfWqPOwTigWJfs2wsHIixo0RCRR4Qc1M2MtpDvdW0iHN5bmNuZXRzAIN0Y3CCTiCDdWRwgk4h',
  },
  {
    name: 'P',
    run: 4,
    nodeId: 'eee1cb9ded0c6b9d78f91aaf06f0fb2897bb97e87f74b3fae0c7d7303e409648',
    epoch: 300,
    attnets: '0x0600000000000000',
    subscribeAll: false,
    attnetsSubnets: [1, 2],
    enr: 'enr:-NC4QGlS3Xy1UHiXShlVWfOmrTNwplNIrVRab6S3ntc3OV9EXjITXdZZwP2pMnLZilNKpyq4OlZ24HWsVVrQcdANCceGAaIx97Syh2F0dG5ldHOIBgAAAAAAAACDY2djBIRldGgykA3-wExwAAA4__________-CaWSCdjSCaXCEfwAAAYNuZmSEAAAAAIlzZWNwMjU2azGhA3ZAPelF0RD0WnHhkgK4-OmRJaFuHXkn0m_R8Uj1dqIiiHN5bmNuZXRzAIN0Y3CCTjKDdWRwgk4z',
  },
]

/** A metadata_received event for a vector's node, with these gossip subscriptions. */
export function eventFromVector(
  v: Pick<PrysmVector, 'nodeId' | 'epoch' | 'attnets'>,
  subscribedSubnets: number[],
  overrides: Partial<MetadataReceivedEvent> = {},
): MetadataReceivedEvent {
  return {
    schema_version: 1,
    enr: '',
    id: '',
    node_id: v.nodeId,
    multiaddr: '/ip4/127.0.0.1/tcp/9000',
    epoch: v.epoch,
    metadata: { seq_number: 1, attnets: v.attnets, syncnets: '0x00' },
    subscribed_subnets: subscribedSubnets,
    client_version: `${PRYSM_VERSION}/0000000`,
    fork_digest: '0x00000000',
    head_slot: 0,
    finalized_epoch: 0,
    custody_group_count: 4,
    protocols: { status: 'status/2', metadata: 'metadata/3' },
    direction: 'outbound',
    handshake_latency_ms: 10,
    crawler_id: 'test',
    crawler_location: 'test',
    timestamp: 1_700_000_000_000,
    ...overrides,
  }
}

/**
 * What the real sentry (src/sentry/sentry.ts, 2 s gossip window) recorded in metadata_received events of Prysm
 * v7.1.2 devnet nodes (no validator client) in the devnet test's runs 5 and 6 (2026-12-01, 14:18 and 14:19
 * UTC). `subscribed_subnets` are the attestation subnets Prysm really subscribed to over gossipsub:
 * a normal node its long-lived pair only, the subscribe-all node all 64. In run 5, C (started last) gave no
 * subscriptions at all on its first handshake: its gossip topics were not joined yet (an incomplete
 * observation, not "no validators"). Run 5's C is also a wrap-around pair: [63, 0].
 */
export type PrysmEventVector = { run: 5 | 6; name: string; nodeId: string; epoch: number; attnets: string; subscribedSubnets: number[]; clientVersion: string }

const PRYSM_AGENT = 'Prysm/v7.1.2/7950a249266a692551e5a910adb9a82a02c92040'
const ALL_SUBNETS = Array.from({ length: 64 }, (_, i) => i)

export const prysmEvents: readonly PrysmEventVector[] = [
  { run: 5, name: 'A', nodeId: '98e97026ab8e6b6716c54df033c25f52196993200f1cdb404bbf42cd6ca94377', epoch: 0, attnets: '0x0600000000000000', subscribedSubnets: [1, 2], clientVersion: PRYSM_AGENT },
  { run: 5, name: 'B', nodeId: 'fce0157e80bd93f79294f41e9602b69daffa8a52f8b4dcbb1f46c24e65e5caa1', epoch: 0, attnets: '0xffffffffffffffff', subscribedSubnets: ALL_SUBNETS, clientVersion: PRYSM_AGENT },
  { run: 5, name: 'C', nodeId: '144497a8a28cee77c90761fdebe020cf9fe2c35736e2ad4da1afaa78619b4a27', epoch: 0, attnets: '0x0100000000000080', subscribedSubnets: [], clientVersion: PRYSM_AGENT },
  { run: 6, name: 'A', nodeId: '1b721fcf05a2e8b03a784fbf2dae5117fd2a51a2cbc1192f7da6849395c313a0', epoch: 0, attnets: '0x0c00000000000000', subscribedSubnets: [2, 3], clientVersion: PRYSM_AGENT },
  { run: 6, name: 'B', nodeId: '0ecfe2eb15d9a2de9ff9e0bb5722747538ced5fa2742b526901ef0b1b7755650', epoch: 0, attnets: '0xffffffffffffffff', subscribedSubnets: ALL_SUBNETS, clientVersion: PRYSM_AGENT },
  { run: 6, name: 'C', nodeId: '946e452b55f14bbd63d4af8c13d631a6bce3d18bc1d562196b0521b361e77ee3', epoch: 0, attnets: '0x000000000000c000', subscribedSubnets: [54, 55], clientVersion: PRYSM_AGENT },
]

/** The metadata_received event of a captured event vector. */
export const eventOf = (v: PrysmEventVector): MetadataReceivedEvent =>
  eventFromVector(v, [...v.subscribedSubnets], { client_version: v.clientVersion, timestamp: 1_796_134_700_000 + v.run })
