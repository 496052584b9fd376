/**
 * A DHT of real discv5 nodes in this process on 127.0.0.1, for the crawler's tests and the discovery
 * benchmark: each node knows only the nodes `links` names, so a crawler started from one of them must
 * walk the whole graph to cover it.
 */
import { createSocket } from 'node:dgram'
import type { Discv5 } from '@chainsafe/discv5'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { startDiscv5Node } from './discv5Node.js'

const loopback = '127.0.0.1'

/** `n` distinct free UDP ports: all bound at once, so that none is handed out twice, then released. */
export async function freeUdpPorts(n: number): Promise<number[]> {
  const sockets = await Promise.all(
    Array.from({ length: n }, () => new Promise<ReturnType<typeof createSocket>>((resolve, reject) => {
      const s = createSocket('udp4')
      s.once('error', reject)
      s.bind(0, loopback, () => resolve(s))
    })),
  )
  const ports = sockets.map((s) => s.address().port)
  await Promise.all(sockets.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))))
  return ports
}

export type SyntheticDhtOptions = {
  size: number
  /** The indices node `i` has in its routing table. */
  links: (i: number) => number[]
  /** Extra ENR keys of node `i` (eth2). */
  entries: (i: number) => Record<string, Uint8Array>
}

export type SyntheticDht = {
  nodes: Discv5[]
  /** "enr:..." of each node. */
  enrs: string[]
  nodeIds: string[]
  stop(): Promise<void>
}

export async function startSyntheticDht(opts: SyntheticDhtOptions): Promise<SyntheticDht> {
  const ports = await freeUdpPorts(opts.size)
  const keys = await Promise.all(ports.map(() => generateKeyPair('secp256k1')))
  const nodes = await Promise.all(ports.map((udpPort, i) => startDiscv5Node({ privateKey: keys[i]!, ip: loopback, udpPort, entries: opts.entries(i) })))
  const enrs = nodes.map((n) => n.enr.toENR())
  nodes.forEach((node, i) => {
    for (const j of opts.links(i)) if (j !== i) node.addEnr(enrs[j]!)
  })
  return {
    nodes,
    enrs: enrs.map((e) => e.encodeTxt()),
    nodeIds: enrs.map((e) => e.nodeId),
    stop: async () => {
      await Promise.all(nodes.map((n) => n.stop()))
    },
  }
}
