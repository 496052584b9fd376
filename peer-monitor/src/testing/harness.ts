/** Test helpers: run the App in-process against fake servers and capture its output. */
import { App } from '../app'
import { systemClock, type Clock } from '../clock'
import type { Config } from '../config'
import type { OutputEvent } from '../format'
import { beaconPeer, FakeBeacon } from './fakeBeacon'
import { FakeGeth, gethPeer } from './fakeGeth'

/** A fake geth and a fake beacon node on loopback, each reporting one peer. */
export async function startFakes(): Promise<{ geth: FakeGeth; beacon: FakeBeacon }> {
  const geth = new FakeGeth()
  const beacon = new FakeBeacon()
  await geth.start()
  await beacon.start()
  geth.peers = [gethPeer('aa'.repeat(32))]
  beacon.peers = [beaconPeer('16Uiu2HAmPeerOne')]
  return { geth, beacon }
}

export async function waitFor<T>(check: () => T | undefined | null | false | Promise<T | undefined | null | false>, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

export type RunningApp = {
  app: App
  base: string
  events: OutputEvent[]
  logs: Record<string, unknown>[]
  get(path: string): Promise<{ status: number; text: string; json: () => any }>
  metric(name: string, labels?: Record<string, string>): Promise<number | undefined>
  stop(): Promise<void>
}

/** The app in-process on an ephemeral port; `clock` drives its loops and snapshot period (real time unless given). */
export async function startApp(overrides: Partial<Config>, clock: Clock = systemClock): Promise<RunningApp> {
  const config: Config = {
    elUrl: 'ws://127.0.0.1:1',
    clUrl: 'http://127.0.0.1:1',
    intervalMs: 200,
    // Tests look at events; a test of snapshots sets the period.
    snapshotIntervalMs: 0,
    listenHost: '127.0.0.1',
    listenPort: 0,
    logFormat: 'json',
    logLevel: 'debug',
    timeoutMs: 300,
    maxResponseBytes: 16 * 1024,
    ...overrides,
  }
  const events: OutputEvent[] = []
  const logs: Record<string, unknown>[] = []
  let partial = '' // snapshots arrive in pieces; parse whole lines only
  const app = new App(config, {
    stdout: (t) => {
      const lines = (partial + t).split('\n')
      partial = lines.pop() ?? ''
      for (const line of lines) if (line) events.push(JSON.parse(line) as OutputEvent)
    },
    stderr: (t) => {
      for (const line of t.split('\n')) if (line) logs.push(JSON.parse(line) as Record<string, unknown>)
    },
    clock,
  })
  const { port } = await app.start()
  const base = `http://127.0.0.1:${port}`
  const get = async (path: string) => {
    const res = await fetch(`${base}${path}`)
    const text = await res.text()
    return { status: res.status, text, json: () => JSON.parse(text) }
  }
  return {
    app,
    base,
    events,
    logs,
    get,
    async metric(name, labels = {}) {
      const { text } = await get('/metrics')
      return readMetric(text, name, labels)
    },
    stop: () => app.stop(),
  }
}

/** Reads one sample from Prometheus text format; labels must all match. */
export function readMetric(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue
    const labelText = line.slice(name.length).startsWith('{') ? line.slice(name.length + 1, line.indexOf('}')) : ''
    const found: Record<string, string> = {}
    for (const m of labelText.matchAll(/(\w+)="([^"]*)"/g)) found[m[1]!] = m[2]!
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(line.slice(line.lastIndexOf(' ') + 1))
  }
  return undefined
}
