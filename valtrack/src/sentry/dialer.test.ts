import type { FailureClass } from '../backoff.js'
import { DialQueue } from '../discovery/dialQueue.js'
import type { NodeRecord } from '../discovery/enr.js'
import { ManualClock } from '../testing/manualClock.js'
import { Dialer } from './dialer.js'

const node = (i: number): NodeRecord => ({ enr: `enr:${i}`, nodeId: i.toString(16).padStart(64, '0'), peerId: `peer-${i}`, seq: 1n, problems: [] })
const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9000'), { code: 'ECONNREFUSED' })
const flush = async () => {
  for (let i = 0; i < 20; i++) await Promise.resolve()
}
const policy = { baseMs: 1000, capMs: 4000 }
const policies = Object.fromEntries(['refused', 'timeout', 'reset', 'identity_mismatch', 'protocol_unsupported', 'bad_response', 'oversized', 'truncated', 'irrelevant_network', 'other'].map((c) => [c, policy])) as Record<FailureClass, typeof policy>

function setup(handshake: (r: NodeRecord, signal: AbortSignal) => Promise<string>, concurrency = 1) {
  const clock = new ManualClock(1_000_000)
  const queue = new DialQueue<NodeRecord>(10)
  const log: string[] = []
  const dialer = new Dialer<string>({
    queue,
    concurrency,
    clock,
    random: () => 1,
    handshake,
    attemptDeadlineMs: 30_000,
    policies,
    onSuccess: (r, o) => log.push(`ok ${r.peerId} ${o}`),
    onFailure: (r, cls, _e, b) => log.push(`fail ${r.peerId} ${cls} #${b.failures} at +${b.retryAtMs - clock.now()}`),
    onDeferred: (r) => log.push(`deferred ${r.peerId}`),
  })
  dialer.start()
  return { clock, queue, log, dialer }
}

test('a refused node is backed off by its class, queued again when the backoff ends, and a success clears it', async () => {
  let calls = 0
  const { clock, queue, log, dialer } = setup(async () => {
    calls++
    if (calls <= 2) throw refused()
    return 'handshaked'
  })
  await queue.offer(node(1).nodeId, node(1))
  await flush()
  expect(log).toEqual(['fail peer-1 refused #1 at +1000'])
  expect(dialer.backedOff).toBe(1)
  clock.advance(999)
  await flush()
  expect(calls).toBe(1)
  clock.advance(1)
  await flush()
  // Doubling with the cap: 1 s, then 2 s.
  expect(log).toEqual(['fail peer-1 refused #1 at +1000', 'fail peer-1 refused #2 at +2000'])
  clock.advance(2000)
  await flush()
  expect(log.at(-1)).toBe('ok peer-1 handshaked')
  expect(dialer.backoffOf(node(1).nodeId)).toBeUndefined()
  await dialer.stop()
})

test('a node handed over again while backed off is deferred, not dialed early, and dialed once when due', async () => {
  let calls = 0
  const { clock, queue, log, dialer } = setup(async () => {
    calls++
    if (calls === 1) throw refused()
    return 'ok'
  })
  await queue.offer(node(1).nodeId, node(1))
  await flush()
  await queue.offer(node(1).nodeId, node(1))
  await flush()
  expect(calls).toBe(1)
  expect(log.at(-1)).toBe('deferred peer-1')
  clock.advance(1000)
  await flush()
  expect(calls).toBe(2)
  expect(queue.size).toBe(0)
  await dialer.stop()
})

test('an attempt past its overall deadline is aborted and classified as a timeout', async () => {
  const { clock, queue, log, dialer } = setup(
    (_r, signal) => new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(new Error('aborted by signal')))),
  )
  await queue.offer(node(2).nodeId, node(2))
  await flush()
  expect(dialer.inFlight).toBe(1)
  clock.advance(30_000)
  await flush()
  expect(log).toEqual(['fail peer-2 timeout #1 at +1000'])
  expect(dialer.inFlight).toBe(0)
  await dialer.stop()
})

test('no more than `concurrency` attempts run at once; all queued nodes are dialed', async () => {
  const release: (() => void)[] = []
  let running = 0
  let peak = 0
  const { queue, log, dialer } = setup(async (r) => {
    running++
    peak = Math.max(peak, running)
    await new Promise<void>((resolve) => release.push(resolve))
    running--
    return r.peerId
  }, 2)
  for (let i = 0; i < 5; i++) await queue.offer(node(i).nodeId, node(i))
  await flush()
  expect(dialer.inFlight).toBe(2)
  while (log.length < 5) {
    release.shift()?.()
    await flush()
  }
  expect(peak).toBe(2)
  expect(log.sort()).toEqual([0, 1, 2, 3, 4].map((i) => `ok peer-${i} peer-${i}`))
  await dialer.stop()
})

test('stop aborts the attempt in flight, records no failure, and returns', async () => {
  let aborted = false
  const { queue, log, dialer } = setup(
    (_r, signal) =>
      new Promise((_resolve, reject) =>
        signal.addEventListener('abort', () => {
          aborted = true
          reject(new Error('aborted'))
        }),
      ),
  )
  await queue.offer(node(3).nodeId, node(3))
  await flush()
  await dialer.stop()
  expect(aborted).toBe(true)
  expect(log).toEqual([])
})
