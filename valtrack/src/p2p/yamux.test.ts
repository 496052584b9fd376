/**
 * Why @chainsafe/libp2p-yamux is pinned at 8.0.1: in 8.0.0 a stream's sendReset was async, so when libp2p aborts
 * a failed inbound stream on a connection that is already closing (AbstractMessageStream.abort calls sendReset in
 * a try/catch), the send's StreamStateError escaped as an unhandled rejection: the process (the sentry) would
 * crash. Seen in CI under load (sentry.test.ts, handshake.test.ts, 2026-12-01). From 8.0.1 it throws synchronously,
 * into abort's catch.
 */
import { YamuxStream } from '@chainsafe/libp2p-yamux/stream'

test('a reset that cannot be sent throws synchronously (into abort’s catch), never as a rejected promise', () => {
  const closing = Object.create(YamuxStream.prototype, {
    streamId: { value: 1 },
    sendFrame: {
      value: () => {
        throw new Error('Cannot write to a stream that is closing')
      },
    },
  }) as YamuxStream
  let returned: unknown
  expect(() => {
    returned = (YamuxStream.prototype.sendReset as () => unknown).call(closing)
  }).toThrow('closing')
  expect(returned).toBeUndefined()
})
