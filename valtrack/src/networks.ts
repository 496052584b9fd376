/**
 * The networks the sentry can watch: mainnet, sepolia and hoodi built in (chain config and genesis from
 * @lodestar/config, bootnodes from the networks' own lists), or a custom devnet from its config.yaml and
 * genesis. Parsing is pure; reading the files is the caller's.
 */
import { type ChainConfig, chainConfigFromJson } from '@lodestar/config'
import { genesisData, networksChainConfig } from '@lodestar/config/networks'
import { parse as parseYaml } from 'yaml'
import { bootnodes } from './discovery/bootnodes.js'

export const builtinNetworkNames = ['mainnet', 'sepolia', 'hoodi'] as const
export type BuiltinNetworkName = (typeof builtinNetworkNames)[number]

export type Network = {
  name: string
  /** Only what the config sets; @lodestar/config fills the rest from the mainnet preset defaults. */
  chainConfig: Partial<ChainConfig>
  /** Unix seconds. */
  genesisTime: number
  genesisValidatorsRoot: Uint8Array
  bootnodes: readonly string[]
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: string }

export function builtinNetwork(name: BuiltinNetworkName): Network {
  const genesis = genesisData[name]
  return {
    name,
    chainConfig: networksChainConfig[name],
    genesisTime: genesis.genesisTime,
    genesisValidatorsRoot: Buffer.from(genesis.genesisValidatorsRoot.slice(2), 'hex'),
    bootnodes: bootnodes[name],
  }
}

export type Genesis = { genesisTime: number; genesisValidatorsRoot: Uint8Array }

/**
 * Pure: genesis time and validators root from a genesis BeaconState in SSZ (the genesis.ssz that prysmctl and
 * the networks' metadata ship). Every fork's BeaconState starts with the same fixed fields, genesis_time
 * (uint64), genesis_validators_root (Bytes32), slot (uint64): they are read in place, without deserialising
 * the (fork-dependent) rest.
 */
export function genesisFromState(state: Uint8Array): Result<Genesis> {
  if (state.length < 48) return { ok: false, error: `genesis state of ${state.length} bytes is too short for a BeaconState` }
  const view = new DataView(state.buffer, state.byteOffset, state.byteLength)
  const slot = view.getBigUint64(40, true)
  if (slot !== 0n) return { ok: false, error: `not a genesis state: its slot is ${slot}, not 0` }
  const genesisTime = Number(view.getBigUint64(0, true))
  if (!Number.isSafeInteger(genesisTime)) return { ok: false, error: 'genesis time out of range' }
  return { ok: true, value: { genesisTime, genesisValidatorsRoot: state.slice(8, 40) } }
}

/**
 * Pure: a devnet's chain config from its config.yaml. Every scalar is read as a string (YAML's own typing
 * would turn fork versions such as 0x10000038 into numbers) and converted by @lodestar/config, which knows
 * each key's type. Only the mainnet preset is supported: the preset is fixed when @lodestar/params loads.
 */
export function chainConfigFromYaml(text: string): Result<Partial<ChainConfig>> {
  let json: unknown
  try {
    json = parseYaml(text, { schema: 'failsafe' })
  } catch (e) {
    return { ok: false, error: `config.yaml is not valid YAML: ${(e as Error).message.split('\n')[0]}` }
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return { ok: false, error: 'config.yaml must be a mapping of KEY: value' }
  const preset = (json as Record<string, unknown>).PRESET_BASE
  if (preset !== undefined && preset !== 'mainnet') return { ok: false, error: `config.yaml has PRESET_BASE ${String(preset)}; only mainnet is supported` }
  let config: Partial<ChainConfig>
  try {
    config = chainConfigFromJson(json as Record<string, unknown>)
  } catch (e) {
    return { ok: false, error: `config.yaml: ${(e as Error).message}` }
  }
  // chainConfigFromJson converts without checking: "abc" becomes NaN, a bad hex version an empty array.
  for (const [key, value] of Object.entries(config)) {
    const raw = JSON.stringify((json as Record<string, unknown>)[key])
    if (typeof value === 'number' && Number.isNaN(value)) return { ok: false, error: `config.yaml: ${key} is ${raw}, not a number` }
    if (key.endsWith('_FORK_VERSION') && (!(value instanceof Uint8Array) || value.length !== 4))
      return { ok: false, error: `config.yaml: ${key} is ${raw}, not a 4-byte hex version such as 0x10000038` }
  }
  return { ok: true, value: config }
}

export function customNetwork(configYaml: string, genesis: Genesis, bootnodeList: readonly string[]): Result<Network> {
  const config = chainConfigFromYaml(configYaml)
  if (!config.ok) return config
  const name = typeof config.value.CONFIG_NAME === 'string' && config.value.CONFIG_NAME !== '' ? config.value.CONFIG_NAME : 'custom'
  return { ok: true, value: { name, chainConfig: config.value, ...genesis, bootnodes: bootnodeList } }
}
