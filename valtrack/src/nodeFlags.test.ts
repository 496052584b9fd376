import { readFileSync } from 'node:fs'
import { CONSUMER_NODE_FLAGS, nodeFlagsFor, relaunchArgs, SENTRY_NODE_FLAGS } from './nodeFlags.js'

test("the valtrack binary's shebang runs node with the sentry's flags", () => {
  const firstLine = readFileSync(new URL('./main.ts', import.meta.url), 'utf8').split('\n')[0]
  expect(firstLine).toBe(`#!/usr/bin/env -S node ${SENTRY_NODE_FLAGS.join(' ')}`)
})

test("the sentry keeps its 4 MiB semi-space (its memory benchmark depends on it); the consumer gets node's 16", () => {
  expect(nodeFlagsFor('sentry')).toEqual(['--max-semi-space-size=4'])
  for (const c of ['query', 'api', 'help']) expect(nodeFlagsFor(c)).toBe(SENTRY_NODE_FLAGS)
  expect(nodeFlagsFor('consumer')).toEqual(['--max-semi-space-size=16'])
})

test('the consumer is run again with its flags when started with the shebang’s, and only then', () => {
  const argv = ['/usr/bin/node', '/app/dist/main.js', '--log-level', 'debug', 'consumer', '--data-dir', '/data']
  // As by the shebang or the image's entrypoint: the sentry's semi-space replaced, other node options kept.
  expect(relaunchArgs('consumer', ['--max-semi-space-size=4', '--enable-source-maps'], argv)).toEqual([
    '--enable-source-maps',
    ...CONSUMER_NODE_FLAGS,
    '/app/dist/main.js',
    '--log-level',
    'debug',
    'consumer',
    '--data-dir',
    '/data',
  ])
  expect(relaunchArgs('consumer', [], argv)).toEqual([...CONSUMER_NODE_FLAGS, ...argv.slice(1)])
  // The relaunched process (or one started with the consumer's flags) runs it itself: no loop.
  expect(relaunchArgs('consumer', ['--enable-source-maps', ...CONSUMER_NODE_FLAGS], argv)).toBeUndefined()
  expect(relaunchArgs('sentry', [...SENTRY_NODE_FLAGS], argv)).toBeUndefined()
})
