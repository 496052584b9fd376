/**
 * A stand-in consensus node in this process on 127.0.0.1, for the sentry's tests without Prysm: a discv5
 * node and a libp2p host (src/p2p/host.ts, answering Status, Ping, MetaData) on one key, its ENR carrying
 * eth2, attnets, syncnets and tcp, subscribed over gossipsub to the attestation subnets it is given. The
 * devnet suite checks the same things against real Prysm nodes.
 */
import type { Discv5 } from '@chainsafe/discv5'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { startDiscv5Node } from '../discovery/discv5Node.js'
import { freeUdpPorts } from '../discovery/syntheticDht.js'
import { eth2Field, type ForkState } from '../forks.js'
import { type SentryHost, startHost } from '../p2p/host.js'
import type { MetaData, Status } from '../p2p/messages.js'

export type BeaconPeerOptions = {
  /** The fork state its ENR advertises. */
  enrFork: ForkState
  /** Its Status (defaults: the ENR's digest, head slot 100, finalized epoch 2). */
  status?: Partial<Status>
  metadata: MetaData
  /** Attestation subnets it subscribes to over gossipsub. */
  subnets?: number[]
  /** ENRs it knows (its routing table). */
  knows?: string[]
}

export type BeaconPeer = { enr: string; peerId: string; nodeId: string; discv5: Discv5; host: SentryHost; status: Status; stop(): Promise<void> }

export async function startBeaconPeer(opts: BeaconPeerOptions): Promise<BeaconPeer> {
  const key = await generateKeyPair('secp256k1')
  const [udpPort] = await freeUdpPorts(1)
  const status: Status = {
    forkDigest: opts.enrFork.digest,
    finalizedRoot: new Uint8Array(32).fill(1),
    finalizedEpoch: 2,
    headRoot: new Uint8Array(32).fill(2),
    headSlot: 100,
    earliestAvailableSlot: 0,
    ...opts.status,
  }
  const host = await startHost({ privateKey: key, listenIp: '127.0.0.1', tcpPort: 0, maxConnections: 64, agentVersion: 'Prysm/v7.1.2/test', identity: () => ({ status, metadata: opts.metadata }) })
  const discv5 = await startDiscv5Node({
    privateKey: key,
    ip: '127.0.0.1',
    udpPort: udpPort!,
    entries: { eth2: eth2Field(opts.enrFork), attnets: opts.metadata.attnets, syncnets: opts.metadata.syncnets ?? new Uint8Array(1) },
  })
  discv5.enr.tcp = host.tcpPort
  const digestHex = Buffer.from(status.forkDigest).toString('hex')
  for (const subnet of opts.subnets ?? []) host.libp2p.services.pubsub.subscribe(`/eth2/${digestHex}/beacon_attestation_${subnet}/ssz_snappy`)
  for (const enr of opts.knows ?? []) discv5.addEnr(enr)
  return {
    enr: discv5.enr.encodeTxt(),
    peerId: host.peerId,
    nodeId: discv5.enr.nodeId,
    discv5,
    host,
    status,
    stop: async () => {
      await Promise.all([discv5.stop(), host.stop()])
    },
  }
}
