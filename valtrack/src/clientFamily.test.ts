import { clientFamily } from './clientFamily.js'

test.each([
  ['Prysm/v7.1.2/6b2e8a1b8e5b', 'prysm'],
  ['Lighthouse/v7.0.1-e42406d/x86_64-linux', 'lighthouse'],
  ['teku/teku/v25.6.0/linux-x86_64/-eclipseadoptium-openjdk64bitservervm-java-21', 'teku'],
  ['nimbus', 'nimbus'],
  ['Lodestar/v1.30.0/abcdef', 'lodestar'],
  ['js-libp2p/2.8.5 UserAgent=v22.15.0', 'other'], // any js-libp2p program, valtrack included
  ['Grandine/1.1.0-29cb5a1/x86_64-linux', 'grandine'],
  ['erigon/caplin', 'caplin'],
  ['rust-libp2p/0.45.1', 'other'],
  ['Prysmatic', 'other'],
  ['', 'unknown'],
  [undefined, 'unknown'],
])('%j -> %s', (agent, family) => {
  expect(clientFamily(agent)).toBe(family)
})
