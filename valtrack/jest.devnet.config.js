/**
 * The devnet suite: `src/**\/*.devnet.test.ts`, against real Prysm beacon nodes (src/testing/devnet.ts) in a
 * network namespace with only loopback (each test asserts it). scripts/test.sh runs it after the unit tests:
 *   ip netns add X && ip netns exec X ip link set lo up && ip netns exec X npx jest -c jest.devnet.config.js
 * One worker: the machine has 2 cores and each node takes half of one; the files run one after another.
 * @type {import('jest').Config}
 */
import base from './jest.config.js'

export default {
  ...base,
  testMatch: ['**/*.devnet.test.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  maxWorkers: 1,
  testTimeout: 180000,
}
