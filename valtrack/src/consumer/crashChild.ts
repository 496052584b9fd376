/**
 * Child process of the crash test (parts.test.ts): writes metadata_events parts in a loop, batch k holding
 * stream sequences k*B+1 .. (k+1)*B, and prints `flushed <k>` after each completed flush, until killed.
 * Run built: `node dist/consumer/crashChild.js <dataDir> <batchRows>`.
 */
const [dataDir, batchArg] = process.argv.slice(2)
const batch = Number(batchArg)
const { PartWriter } = await import('./parts.js')
const { metadataRow } = await import('./schema.js')
const { metadataEvent } = await import('../sinks/fixtures.js')

const writer = await PartWriter.open({ dataDir: dataDir!, file: 'metadata_events', instanceId: 'child' })
process.stdout.write('ready\n')
for (let k = 0; ; k++) {
  for (let i = 1; i <= batch; i++) {
    const seq = k * batch + i
    writer.append(metadataRow(metadataEvent(seq), seq, 1_700_000_000_000 + seq))
  }
  await writer.flush()
  process.stdout.write(`flushed ${k}\n`)
}
