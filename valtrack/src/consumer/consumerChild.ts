/**
 * Child process of the consumer's crash test (consumer.test.ts), run built:
 * `node dist/consumer/consumerChild.js <nats url> <durable name> <dataDir> <instanceId> <partMaxAgeMs> <ackWaitMs>`.
 * Prints `acked <n>` whenever its count of acknowledged messages changes, until killed (or SIGTERM: stops cleanly).
 */
import { silentLogger } from '../logger.js'
import { Consumer } from './consumer.js'

const [url, name, dataDir, instanceId, partMaxAgeMs, ackWaitMs] = process.argv.slice(2)
const consumer = await Consumer.start({
  servers: [url!],
  name: name!,
  dataDir: dataDir!,
  instanceId: instanceId!,
  logger: silentLogger,
  partMaxAgeMs: Number(partMaxAgeMs),
  ackWaitMs: Number(ackWaitMs),
  batchSize: 50,
  fetchExpiresMs: 1000,
})
let reported = -1
const timer = setInterval(() => {
  if (consumer.stats.acked !== reported) process.stdout.write(`acked ${(reported = consumer.stats.acked)}\n`)
}, 20)
process.once('SIGTERM', () => {
  clearInterval(timer)
  void consumer.stop().then(() => process.exit(0))
})
