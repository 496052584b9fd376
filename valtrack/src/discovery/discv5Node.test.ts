/**
 * Stopping discv5 nodes leaves no timer or socket of theirs behind (discv5Node.ts `tidyStop`), in the
 * situations that did with @chainsafe/discv5 12.0.2 as it is: a full bucket whose pending eviction was
 * overtaken by another, a request in flight to a node that never answers, a stop from within a session
 * being established, finished lookups.
 */
import { createHook } from 'node:async_hooks'
import { createSocket, type Socket } from 'node:dgram'
import type { Discv5 } from '@chainsafe/discv5'
import { ENR, SignableENR } from '@chainsafe/enr'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { Secp256k1PrivateKey } from '@libp2p/interface'
import { STOPPED, startDiscv5Node } from './discv5Node.js'
import { freeUdpPorts } from './syntheticDht.js'

const loopback = '127.0.0.1'

/** Timers created while tracking, with their creation stacks, until they fire or are cleared. */
type Tracked = { stack: string; timer: WeakRef<NodeJS.Timeout> }
const timers = new Map<number, Tracked>()
const hook = createHook({
  init(id, type, _trigger, resource) {
    if (type === 'Timeout') timers.set(id, { stack: new Error().stack ?? '', timer: new WeakRef(resource as NodeJS.Timeout) })
  },
  destroy(id) {
    timers.delete(id)
  },
})

/** Timers created since `track()` that are still armed and hold the event loop: delay and creation stack. */
function liveTimers(): { text: string; ours: boolean }[] {
  const live: { text: string; ours: boolean }[] = []
  for (const { stack, timer } of timers.values()) {
    const t = timer.deref() as (NodeJS.Timeout & { _destroyed?: boolean; _idleTimeout?: number }) | undefined
    if (!t || t._destroyed || !t.hasRef()) continue
    const frames = stack.split('\n').slice(1).filter((l) => !l.includes('node:internal') && !l.includes('AsyncHook.init'))
    // Ours: discv5's or our wrapper's. With one test file, jest's reporters run in this process too.
    live.push({ text: `${t._idleTimeout} ms\n${frames.slice(0, 5).join('\n')}`, ours: stack.includes('@chainsafe/discv5') || stack.includes('discv5Node.ts') })
  }
  return live
}
const ourLiveTimers = () => liveTimers().filter((t) => t.ours).map((t) => t.text)

/** Counts of process.getActiveResourcesInfo() for the kinds a discv5 node holds. */
function held(): { Timeout: number; UDPWrap: number } {
  const r = process.getActiveResourcesInfo()
  return { Timeout: r.filter((x) => x === 'Timeout').length, UDPWrap: r.filter((x) => x === 'UDPWrap').length }
}

let before: ReturnType<typeof held>
const nodes: Discv5[] = []
const sockets: Socket[] = []
/** Called first in each test, when jest's timer for the test already runs: what is held from here on. */
function track(): void {
  before = held()
  timers.clear()
  hook.enable()
}
afterEach(async () => {
  hook.disable()
  await Promise.all(nodes.splice(0).map((n) => n.stop()))
  await Promise.all(sockets.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))))
})

/** After every node and socket of the test is stopped: nothing of theirs is left. */
async function expectNothingLeft(): Promise<void> {
  await Promise.all(nodes.splice(0).map((n) => n.stop()))
  // The stand-in sockets are plain dgram sockets: their handles go in the loop's close phase.
  await Promise.all(sockets.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))))
  await new Promise((resolve) => setTimeout(resolve, 1))
  expect(ourLiveTimers()).toEqual([])
  // No more armed timers than at the start, but for jest's own created since (its reporters' in one process).
  const after = held()
  expect(after.Timeout).toBeLessThanOrEqual(before.Timeout + liveTimers().filter((t) => !t.ours).length)
  expect(after.UDPWrap).toBeLessThanOrEqual(before.UDPWrap)
}

async function start(privateKey: Secp256k1PrivateKey, config?: Parameters<typeof startDiscv5Node>[0]['config']): Promise<Discv5> {
  const [udpPort] = await freeUdpPorts(1)
  const node = await startDiscv5Node({ privateKey, ip: loopback, udpPort: udpPort!, config })
  nodes.push(node)
  return node
}

/** An ENR on a bound UDP socket that never answers. */
async function silentNode(): Promise<ENR> {
  const [port] = await freeUdpPorts(1)
  const socket = createSocket('udp4')
  await new Promise<void>((resolve) => socket.bind(port!, loopback, () => resolve()))
  sockets.push(socket)
  const enr = SignableENR.createV4((await generateKeyPair('secp256k1')).raw)
  enr.ip = loopback
  enr.udp = port!
  return enr.toENR()
}

const nodeIdOf = (key: Secp256k1PrivateKey) => SignableENR.createV4(key.raw).nodeId
/** Log distance 256: the ids differ in their first bit. */
const farHalf = (a: string, b: string) => (parseInt(a[0]!, 16) ^ parseInt(b[0]!, 16)) >= 8

/** Resolves when `node` has established a session with `nodeId` (after discv5 has handled it). */
const established = (node: Discv5, nodeId: string) =>
  new Promise<void>((resolve) => {
    const on = (_addr: unknown, enr: ENR) => {
      if (enr.nodeId !== nodeId) return
      node.sessionService.off('established', on)
      resolve()
    }
    node.sessionService.on('established', on)
  })

test('a full bucket with overtaken pending evictions and a request to a silent node: nothing left after stop', async () => {
  track()
  const ownKey = await generateKeyPair('secp256k1')
  const ownId = nodeIdOf(ownKey)
  // 18 nodes in own's bucket at log distance 256 (a bucket holds 16).
  const keys: Secp256k1PrivateKey[] = []
  while (keys.length < 18) {
    const key = await generateKeyPair('secp256k1')
    if (farHalf(ownId, nodeIdOf(key))) keys.push(key)
  }
  // Long request timeouts: the requests to the silent node are surely in flight at stop, and 19 nodes
  // handshaking at once on a loaded machine are not taken for dead (discv5's default is 1 s).
  const own = await start(ownKey, { requestTimeout: 30_000 })
  const peers = await Promise.all(keys.map((k) => start(k, { requestTimeout: 30_000 })))
  const enrs = peers.map((p) => p.enr.toENR())

  // The peers exchange FINDNODE among themselves.
  await Promise.all(peers.map((p, i) => p.sendFindNode(enrs[(i + 1) % peers.length]!, [256])))

  // The bucket full of 16 disconnected entries; a 17th node connects: it is pending, the first entry is
  // pinged for eviction, answers, and so drops the pending entry (the library leaves its timer armed).
  for (const enr of enrs.slice(0, 16)) own.addEnr(enr)
  const firstBack = established(own, enrs[0]!.nodeId)
  await own.sendFindNode(enrs[16]!, [256])
  await firstBack
  // An 18th: pending again, with a new timer that overwrote the id of the first one.
  await own.sendFindNode(enrs[17]!, [256])
  expect(ourLiveTimers().filter((t) => t.startsWith('60000 ms') && t.includes('addPending')).length).toBeGreaterThanOrEqual(1)

  // Requests in flight to a node that never answers.
  const silent = await silentNode()
  const outcome = (p: Promise<unknown>) => p.then(() => 'answered', (e: { code?: unknown }) => e.code)
  const inFlight = [outcome(own.sendFindNode(silent, [256])), outcome(peers[3]!.sendFindNode(silent, [255, 254]))]
  await new Promise((resolve) => setTimeout(resolve, 20))

  await expectNothingLeft()
  expect(await Promise.all(inFlight)).toEqual([STOPPED, STOPPED])
})

test('stopped from within a session being established: nothing left after stop', async () => {
  track()
  const [a, b] = await Promise.all([generateKeyPair('secp256k1'), generateKeyPair('secp256k1')])
  const node = await start(a)
  const other = await start(b)
  // The library pings a node it has just connected to in a setTimeout(0), and has the FINDNODE in flight.
  let stopping: Promise<void> | undefined
  node.sessionService.once('established', () => (stopping = node.stop()))
  const request = node.sendFindNode(other.enr.toENR(), [256]).then(() => 'answered', (e: { code?: unknown }) => e.code)
  while (stopping === undefined) await new Promise((resolve) => setTimeout(resolve, 1))
  await stopping
  expect(ourLiveTimers()).toEqual([])
  expect(await request).toBe(STOPPED)
  await expectNothingLeft()
})

test('finished lookups and one in flight: nothing left after stop', async () => {
  track()
  const keys = await Promise.all(Array.from({ length: 6 }, () => generateKeyPair('secp256k1')))
  const ring = await Promise.all(keys.map((k) => start(k)))
  const enrs = ring.map((n) => n.enr.toENR())
  ring.forEach((n, i) => n.addEnr(enrs[(i + 1) % ring.length]!))
  // Each lookup ends on its own once every known node has answered.
  await Promise.all(ring.map((n) => n.findRandomNode()))
  ring[0]!.addEnr(await silentNode())
  void ring[0]!.findRandomNode()
  await new Promise((resolve) => setTimeout(resolve, 20))
  await expectNothingLeft()
})

test('the ENR advertises the bind address, another address, or none (for a node bound to all interfaces)', async () => {
  const [p1, p2, p3] = await freeUdpPorts(3)
  const key = async () => generateKeyPair('secp256k1')
  const nodes = [
    await startDiscv5Node({ privateKey: await key(), ip: loopback, udpPort: p1! }),
    await startDiscv5Node({ privateKey: await key(), ip: loopback, udpPort: p2!, advertisedIp: '203.0.113.7' }),
    await startDiscv5Node({ privateKey: await key(), ip: '0.0.0.0', udpPort: p3!, advertisedIp: null }),
  ]
  try {
    expect(nodes.map((n) => n.enr.ip)).toEqual([loopback, '203.0.113.7', undefined])
    expect(nodes.map((n) => n.enr.udp)).toEqual([p1, p2, p3])
  } finally {
    await Promise.all(nodes.map((n) => n.stop()))
  }
})
