import { ssz } from '@lodestar/types'
import { builtinNetwork, builtinNetworkNames, chainConfigFromYaml, customNetwork, genesisFromState } from './networks.js'

describe('built-in networks', () => {
  test.each([
    ['mainnet', 1606824023, '4b363db94e286120d76eb905340fdd4e54bfe9f06bf33ff6cf5ad27f511bfe95'],
    ['sepolia', 1655733600, 'd8ea171f3c94aea21ebc42a1ed61052acf3f9209c00e4efbaaddac09ed9b8078'],
    ['hoodi', 1742213400, '212f13fc4df078b6cb7db228f1c8307566dcecf900867401a92023d7ba99cb5f'],
  ] as const)('%s: genesis time and validators root as published, its own bootnodes', (name, time, gvr) => {
    const n = builtinNetwork(name)
    expect(n.genesisTime).toBe(time)
    expect(Buffer.from(n.genesisValidatorsRoot).toString('hex')).toBe(gvr)
    expect(n.bootnodes.length).toBeGreaterThan(5)
    expect(n.chainConfig.CONFIG_NAME).toBe(name)
  })

  test('the three names', () => {
    expect(builtinNetworkNames).toEqual(['mainnet', 'sepolia', 'hoodi'])
  })
})

describe('genesis state', () => {
  test('genesis time and validators root read from a real (phase0) BeaconState serialisation', () => {
    const state = ssz.phase0.BeaconState.defaultValue()
    state.genesisTime = 1_800_000_123
    state.genesisValidatorsRoot = new Uint8Array(32).fill(7)
    const r = genesisFromState(ssz.phase0.BeaconState.serialize(state))
    expect(r).toEqual({ ok: true, value: { genesisTime: 1_800_000_123, genesisValidatorsRoot: new Uint8Array(32).fill(7) } })
  })

  test('a state past genesis, or too short, is refused with the reason', () => {
    const state = ssz.phase0.BeaconState.defaultValue()
    state.slot = 5
    expect(genesisFromState(ssz.phase0.BeaconState.serialize(state))).toEqual({ ok: false, error: 'not a genesis state: its slot is 5, not 0' })
    expect(genesisFromState(new Uint8Array(10))).toEqual({ ok: false, error: 'genesis state of 10 bytes is too short for a BeaconState' })
  })
})

describe('config.yaml', () => {
  test('hex versions stay bytes (YAML would read 0x10000038 as a number), numbers become numbers', () => {
    const r = chainConfigFromYaml('GENESIS_FORK_VERSION: 0x10000038\nALTAIR_FORK_EPOCH: 10\nSECONDS_PER_SLOT: 6\n')
    expect(r).toEqual({ ok: true, value: { GENESIS_FORK_VERSION: Uint8Array.from([0x10, 0, 0, 0x38]), ALTAIR_FORK_EPOCH: 10, SECONDS_PER_SLOT: 6 } })
  })

  test('FAR_FUTURE_EPOCH (2^64 - 1) means never', () => {
    const r = chainConfigFromYaml('GLOAS_FORK_EPOCH: 18446744073709551615\n')
    expect(r.ok && r.value.GLOAS_FORK_EPOCH).toBe(Infinity)
  })

  test.each([
    ['not YAML', 'a: [1, 2', /^config.yaml is not valid YAML: /],
    ['a list', '- 1\n- 2\n', /^config.yaml must be a mapping of KEY: value$/],
    ['another preset', 'PRESET_BASE: minimal\n', /^config.yaml has PRESET_BASE minimal; only mainnet is supported$/],
    ['a number that is not one', 'ALTAIR_FORK_EPOCH: soon\n', /^config.yaml: ALTAIR_FORK_EPOCH is "soon", not a number$/],
    ['a version that is not 4 bytes', 'ALTAIR_FORK_VERSION: 0x0102\n', /^config.yaml: ALTAIR_FORK_VERSION is "0x0102", not a 4-byte hex version/],
    ['a blob schedule entry without its epoch', 'BLOB_SCHEDULE:\n  - MAX_BLOBS_PER_BLOCK: 9\n', /^config.yaml: .*missing EPOCH/],
  ])('%s: one clear error', (_, text, message) => {
    const r = chainConfigFromYaml(text)
    expect(r.ok).toBe(false)
    expect(!r.ok && r.error).toMatch(message)
  })

  test('a custom network without CONFIG_NAME is called "custom"; errors pass through', () => {
    const genesis = { genesisTime: 1, genesisValidatorsRoot: new Uint8Array(32) }
    expect(customNetwork('ALTAIR_FORK_EPOCH: 0\n', genesis, ['enr:x'])).toMatchObject({ ok: true, value: { name: 'custom', bootnodes: ['enr:x'] } })
    expect(customNetwork('PRESET_BASE: minimal\n', genesis, []).ok).toBe(false)
  })
})
