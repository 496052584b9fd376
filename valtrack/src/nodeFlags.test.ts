import { readFileSync } from 'node:fs'
import { SENTRY_NODE_FLAGS } from './nodeFlags.js'

test("the valtrack binary's shebang runs node with the sentry's flags", () => {
  const firstLine = readFileSync(new URL('./main.ts', import.meta.url), 'utf8').split('\n')[0]
  expect(firstLine).toBe(`#!/usr/bin/env -S node ${SENTRY_NODE_FLAGS.join(' ')}`)
})
