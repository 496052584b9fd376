/**
 * Real libp2p hosts on 127.0.0.1 for the p2p tests: each with a fresh secp256k1 key and its own identity,
 * stopped together at the end of a test.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { Stream } from '@libp2p/interface'
import { type HostIdentity, type HostOptions, type SentryHost, startHost } from '../p2p/host.js'
import type { MessageName } from '../p2p/messages.js'
import { protocolId } from '../p2p/messages.js'
import { ourMetaData, ourStatus } from '../p2p/identity.js'
import type { ForkState } from '../forks.js'
import { ForkName } from '@lodestar/params'

export const DIGEST_A = Uint8Array.from([0xaa, 0xbb, 0xcc, 0xdd])
export const DIGEST_B = Uint8Array.from([0x11, 0x22, 0x33, 0x44])

/** A node's identity on `digest` that differs from ours in every field the handshake reports. */
export function peerIdentity(digest: Uint8Array = DIGEST_A): HostIdentity {
  return {
    status: {
      forkDigest: digest,
      finalizedRoot: new Uint8Array(32).fill(7),
      finalizedEpoch: 1234,
      headRoot: new Uint8Array(32).fill(9),
      headSlot: 40_000,
      earliestAvailableSlot: 321,
    },
    metadata: { seqNumber: 42n, attnets: Uint8Array.from([0x01, 0, 0, 0, 0, 0, 0, 0x80]), syncnets: Uint8Array.of(0x05), custodyGroupCount: 8 },
  }
}

/** The sentry's own identity (identity.ts) on `digest`. */
export function sentryIdentity(digest: Uint8Array = DIGEST_A): HostIdentity {
  const state: ForkState = { epoch: 0, fork: ForkName.fulu, digest, digestHex: Buffer.from(digest).toString('hex'), nextForkVersion: new Uint8Array(4), nextForkEpoch: 2n ** 64n - 1n }
  return { status: ourStatus(state), metadata: ourMetaData(1n, 4) }
}

export class TestHosts {
  readonly hosts: SentryHost[] = []

  async start(opts: Partial<HostOptions> = {}): Promise<SentryHost> {
    const host = await startHost({
      privateKey: await generateKeyPair('secp256k1'),
      listenIp: '127.0.0.1',
      tcpPort: 0,
      maxConnections: 50,
      identity: () => peerIdentity(),
      ...opts,
    })
    this.hosts.push(host)
    return host
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.hosts.splice(0).map((h) => h.stop()))
  }
}

/** Replaces the handler of `name`/`version` on `host` with a raw one (a misbehaving peer). */
export async function override(host: SentryHost, name: MessageName, version: number, handler: (stream: Stream) => void | Promise<void>): Promise<void> {
  await host.libp2p.handle(protocolId(name, version), (stream) => handler(stream), { force: true })
}

/** Removes protocols from `host` (a peer on an older fork). */
export async function unhandle(host: SentryHost, ...ids: [MessageName, number][]): Promise<void> {
  await host.libp2p.unhandle(ids.map(([n, v]) => protocolId(n, v)))
}
