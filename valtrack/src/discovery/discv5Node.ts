/**
 * A discv5 node on one UDP address with the ENR keys we give it: the crawler's own node, and the synthetic
 * DHTs of the tests and the benchmark. `@chainsafe/discv5` 12 wants its bind address as a
 * `@multiformats/multiaddr` 13 object (a string fails with "addr.getComponents is not a function").
 *
 * Its `stop()` is made to leave nothing behind (see `tidyStop`): with discv5 12.0.2 as it is, timers
 * outlived `stop()` and kept the process alive for up to a minute.
 */
import { Discv5, type IDiscv5CreateOptions } from '@chainsafe/discv5'
import { SignableENR } from '@chainsafe/enr'
import type { Secp256k1PrivateKey } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'

export type Discv5NodeOptions = {
  privateKey: Secp256k1PrivateKey
  /** Address to bind (IPv4, or IPv6 with a ':'); also advertised in the ENR unless `advertisedIp` says otherwise. */
  ip: string
  /**
   * The IPv4 address put in the ENR; default `ip`. null: none (a node bound to 0.0.0.0 must not advertise that;
   * with `config.enrUpdate` discv5 then sets the address its peers report seeing).
   */
  advertisedIp?: string | null
  udpPort: number
  /** Extra ENR keys, e.g. eth2. */
  entries?: Record<string, Uint8Array>
  config?: IDiscv5CreateOptions['config']
}

export async function startDiscv5Node(opts: Discv5NodeOptions): Promise<Discv5> {
  // From the raw key: @chainsafe/enr 5 types its PrivateKey with @libp2p/interface 2, discv5 12 with 3.
  const enr = SignableENR.createV4(opts.privateKey.raw)
  const advertised = opts.advertisedIp === undefined ? opts.ip : opts.advertisedIp
  if (advertised !== null) enr.ip = advertised
  enr.udp = opts.udpPort
  for (const [key, value] of Object.entries(opts.entries ?? {})) enr.set(key, value)
  const node = Discv5.create({
    enr,
    privateKey: opts.privateKey,
    bindAddrs: opts.ip.includes(':') ? { ip6: multiaddr(`/ip6/${opts.ip}/udp/${opts.udpPort}`) } : { ip4: multiaddr(`/ip4/${opts.ip}/udp/${opts.udpPort}`) },
    // Our ENR is the address we were given: votes of peers about our external address must not rewrite it.
    config: { enrUpdate: false, ...opts.config },
  })
  tidyStop(node)
  await node.start()
  return node
}

/** The error in-flight requests are rejected with when their node stops. */
export const STOPPED = 'Stopped'

// The parts of discv5 12.0.2's internals (not in its typings; the version is pinned) that tidyStop reaches.
type Bucket = {
  pending: unknown
  pendingTimeoutId: ReturnType<typeof setTimeout> | undefined
  addPending(value: unknown, status: unknown): boolean
}
type Lookup = { timeout: ReturnType<typeof setTimeout> | undefined; once(event: 'finished', f: () => void): void }
type ActiveRequest = { callbackPromise?: { reject(e: Error): void } }
type Internals = {
  kbuckets: { buckets: Bucket[] }
  activeLookups: Map<number, Lookup>
  activeRequests: Map<bigint, ActiveRequest>
  sendRpcRequest(request: ActiveRequest): void
}

/**
 * With no entry pending, no eviction timer should be armed. discv5 12.0.2's Bucket drops its pending entry
 * without clearing the timer when the least-recently connected node it was to evict comes back
 * (`updateStatus`, index 0), or when that entry is inserted by other means (`add`); the next `addPending`
 * then overwrites `pendingTimeoutId`, and the earlier 60 s timer (PENDING_TIMEOUT) is lost: `Bucket.clear()`
 * in `Discv5.stop()` no longer reaches it, so it holds the event loop for up to 60 s after stop (and, while
 * running, fires early on the newer pending entry). One function shared by all buckets of all nodes.
 */
function addPendingClearingOrphan(this: Bucket, value: unknown, status: unknown): boolean {
  if (this.pending === undefined) clearTimeout(this.pendingTimeoutId)
  return (Object.getPrototypeOf(this) as Bucket).addPending.call(this, value, status)
}

function stoppedError(): Error {
  return Object.assign(new Error('discv5 node stopped'), { code: STOPPED })
}

/**
 * Makes `node.stop()` leave no timer or socket of the node behind once it resolves, working around
 * discv5 12.0.2, whose `stop()` (clears its tables, stops lookups, clears the session service's request
 * timers, closes the socket) misses:
 * - pending-eviction timers of the routing table lost by its Bucket (`addPendingClearingOrphan`), up to 60 s;
 * - a lookup that finished on its own (Lookup.nextPeer) leaves its 60 s lookupTimeout armed, and
 *   `Lookup.stop()` skips finished lookups: cleared when it finishes;
 * - the PING deferred by `setTimeout(0)` when a session was established just before stop: it runs after
 *   stop and arms a new request timer (requestTimeout) for a packet the closed socket cannot send. Requests
 *   made after stop are now refused, and `stop()` resolves after one timer turn, once such a deferred PING
 *   has run (and the closed socket's handle is released);
 * - requests in flight at stop, whose promises it drops unsettled: they are rejected with code "Stopped".
 */
function tidyStop(node: Discv5): void {
  const internals = node as unknown as Internals
  const buckets = internals.kbuckets?.buckets
  if (!Array.isArray(buckets) || !(internals.activeLookups instanceof Map) || !(internals.activeRequests instanceof Map)
    || typeof internals.sendRpcRequest !== 'function' || !buckets.every((b) => typeof b.addPending === 'function' && 'pending' in b)) {
    throw new Error('@chainsafe/discv5 internals are not those of 12.0.2: review tidyStop in discv5Node.ts')
  }
  for (const bucket of buckets) bucket.addPending = addPendingClearingOrphan

  const lookups = internals.activeLookups
  const setLookup = lookups.set.bind(lookups)
  lookups.set = (id, lookup) => {
    lookup.once('finished', () => clearTimeout(lookup.timeout))
    return setLookup(id, lookup)
  }

  let stopped = false
  const sendRpcRequest = internals.sendRpcRequest.bind(node)
  internals.sendRpcRequest = (request) => {
    if (stopped) request.callbackPromise?.reject(stoppedError())
    else sendRpcRequest(request)
  }
  const start = node.start.bind(node)
  const stop = node.stop.bind(node)
  node.start = async () => {
    stopped = false
    await start()
  }
  node.stop = async () => {
    if (!node.isStarted()) return await stop()
    stopped = true
    for (const request of internals.activeRequests.values()) request.callbackPromise?.reject(stoppedError())
    await stop()
    await new Promise((resolve) => setTimeout(resolve, 1))
  }
}
