/**
 * A discv5 node on one UDP address with the ENR keys we give it: the crawler's own node, and the synthetic
 * DHTs of the tests and the benchmark. `@chainsafe/discv5` 12 wants its bind address as a
 * `@multiformats/multiaddr` 13 object (a string fails with "addr.getComponents is not a function").
 */
import { Discv5, type IDiscv5CreateOptions } from '@chainsafe/discv5'
import { SignableENR } from '@chainsafe/enr'
import type { Secp256k1PrivateKey } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'

export type Discv5NodeOptions = {
  privateKey: Secp256k1PrivateKey
  /** IPv4 address to bind and to advertise in the ENR. */
  ip: string
  udpPort: number
  /** Extra ENR keys, e.g. eth2. */
  entries?: Record<string, Uint8Array>
  config?: IDiscv5CreateOptions['config']
}

export async function startDiscv5Node(opts: Discv5NodeOptions): Promise<Discv5> {
  // From the raw key: @chainsafe/enr 5 types its PrivateKey with @libp2p/interface 2, discv5 12 with 3.
  const enr = SignableENR.createV4(opts.privateKey.raw)
  enr.ip = opts.ip
  enr.udp = opts.udpPort
  for (const [key, value] of Object.entries(opts.entries ?? {})) enr.set(key, value)
  const node = Discv5.create({
    enr,
    privateKey: opts.privateKey,
    bindAddrs: { ip4: multiaddr(`/ip4/${opts.ip}/udp/${opts.udpPort}`) },
    // Our ENR is the address we were given: votes of peers about our external address must not rewrite it.
    config: { enrUpdate: false, ...opts.config },
  })
  await node.start()
  return node
}
