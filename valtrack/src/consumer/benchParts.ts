/**
 * Sanity benchmark of the part writer (not a test): `node dist/consumer/benchParts.js [rows] [rowsPerPart]`
 * appends `rows` metadata_events rows and flushes every `rowsPerPart`, then reopens (reading every part's
 * stream_seq), printing rows/s of each phase (after `npm run build`).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const rows = Number(process.argv[2] ?? 100_000)
const perPart = Number(process.argv[3] ?? 10_000)
const { PartWriter } = await import('./parts.js')
const { metadataRow } = await import('./schema.js')
const { metadataEvent } = await import('../sinks/fixtures.js')

const dataDir = mkdtempSync(join(tmpdir(), 'valtrack-bench-'))
try {
  const w = await PartWriter.open({ dataDir, file: 'metadata_events', instanceId: 'bench', maxRows: perPart })
  const events = Array.from({ length: rows }, (_, i) => metadataEvent(i + 1))
  const t0 = performance.now()
  let parts = 0
  let bytes = 0
  for (let i = 0; i < rows; i++) {
    w.append(metadataRow(events[i]!, i + 1, 1_700_000_000_000 + i))
    if (w.rotationDue()) for (const p of await w.flush()) (parts++, (bytes += p.bytes))
  }
  for (const p of await w.flush()) (parts++, (bytes += p.bytes))
  const t1 = performance.now()
  const r = await PartWriter.open({ dataDir, file: 'metadata_events', instanceId: 'bench2' })
  const t2 = performance.now()
  if (r.rowsOnDisk !== rows) throw new Error(`expected ${rows} rows on disk, got ${r.rowsOnDisk}`)
  const rate = (n: number, ms: number) => Math.round((n / ms) * 1000).toLocaleString('en')
  console.log(`write: ${rows} rows in ${parts} parts (${(bytes / 1e6).toFixed(1)} MB) in ${(t1 - t0).toFixed(0)} ms: ${rate(rows, t1 - t0)} rows/s`)
  console.log(`reopen (read stream_seq of every part): ${(t2 - t1).toFixed(0)} ms: ${rate(rows, t2 - t1)} rows/s`)
} finally {
  rmSync(dataDir, { recursive: true, force: true })
}
