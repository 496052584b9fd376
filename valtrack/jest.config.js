/**
 * The field's libraries (@lodestar/*, @chainsafe/enr, later libp2p) are ESM-only, exported under the "import"
 * condition alone, so the package is ESM and jest runs with node's VM modules (npm test sets
 * --experimental-vm-modules). Relative imports carry ".js" as node's ESM resolution requires; the mapper
 * points them back at the .ts sources.
 * @type {import('jest').Config}
 */
export default {
  testEnvironment: 'node',
  roots: ['<rootDir>/src'],
  testMatch: ['**/*.test.ts'],
  // Real Prysm nodes in a loopback-only network namespace: jest.devnet.config.js.
  testPathIgnorePatterns: ['/node_modules/', '\\.devnet\\.test\\.ts$'],
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', useESM: true }] },
  testTimeout: 20000,
};
