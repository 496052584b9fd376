import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { validateEvent } from '../events.js'
import { discoveredEvent, metadataEvent } from './fixtures.js'
import { openJsonLinesSink } from './jsonLinesSink.js'

const lines = async (path: string) => (await readFile(path, 'utf8')).split('\n').filter(Boolean)

describe('JSON-lines sink', () => {
  let dir: string
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'valtrack-jsonl-'))
  })
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('writes each type to its file, appending to what is there', async () => {
    const earlier = `${JSON.stringify(discoveredEvent(0))}\n`
    await writeFile(join(dir, 'discovery_events.log'), earlier)
    const sink = await openJsonLinesSink(dir)
    expect(sink.kind).toBe('jsonl')
    for (let n = 1; n <= 3; n++) sink.publish('peer_discovered', discoveredEvent(n))
    sink.publish('metadata_received', metadataEvent(7))
    await sink.close(5_000)

    const discovered = await lines(join(dir, 'discovery_events.log'))
    expect(discovered.map((l) => JSON.parse(l).timestamp - 1_700_000_000_000)).toEqual([0, 1, 2, 3])
    const metadata = await lines(join(dir, 'metadata_events.log'))
    expect(metadata).toHaveLength(1)
    expect(validateEvent('metadata_received', JSON.parse(metadata[0]))).toEqual([])
    expect(sink.stats()).toEqual({ published: 4, failed: 0, dropped: 0, buffered: 0, inFlight: 0 })
  })

  it('appends across restarts (a second sink on the same directory)', async () => {
    const first = await openJsonLinesSink(dir)
    first.publish('metadata_received', metadataEvent(1))
    await first.close(5_000)
    const second = await openJsonLinesSink(dir)
    second.publish('metadata_received', metadataEvent(2))
    await second.close(5_000)
    expect((await lines(join(dir, 'metadata_events.log'))).map((l) => JSON.parse(l).metadata.seq_number)).toEqual([1, 2])
  })

  it('rotates by size, keeping every line in order across the parts', async () => {
    const lineBytes = JSON.stringify(discoveredEvent(0)).length + 1
    const sink = await openJsonLinesSink(dir, { rotation: { maxBytes: 2 * lineBytes + 5, keep: 5 } })
    for (let n = 0; n < 5; n++) sink.publish('peer_discovered', discoveredEvent(n))
    await sink.close(5_000)
    const parts = ['.2', '.1', ''].map((suffix) => lines(join(dir, `discovery_events.log${suffix}`)))
    const perPart = await Promise.all(parts)
    expect(perPart.map((p) => p.length)).toEqual([2, 2, 1])
    expect(perPart.flat().map((l) => JSON.parse(l).timestamp - 1_700_000_000_000)).toEqual([0, 1, 2, 3, 4])
  })

  it('counts, and does not throw for, events it cannot keep', async () => {
    const sink = await openJsonLinesSink(dir, { maxPending: 2 })
    const circular = discoveredEvent(1) as unknown as Record<string, unknown>
    circular.self = circular
    expect(() => sink.publish('peer_discovered', circular as never)).not.toThrow()
    for (let n = 0; n < 5; n++) sink.publish('peer_discovered', discoveredEvent(n)) // only 2 may wait at once
    await sink.close(5_000)
    sink.publish('peer_discovered', discoveredEvent(9)) // after close
    const s = sink.stats()
    expect(s.published).toBe(2)
    expect(s.dropped).toBe(1 + 3 + 1)
    expect(await lines(join(dir, 'discovery_events.log'))).toHaveLength(2)
  })

  it('fails to open in a directory that does not exist (startup fails, not the first write)', async () => {
    await expect(openJsonLinesSink(join(dir, 'missing'))).rejects.toThrow()
  })
})
