/**
 * The three viem parts the service uses, loaded from viem's CommonJS build file by file.
 *
 * `require('viem')` loads viem's whole index (chains, accounts, ABI, ENS, ... ~1,000 modules): about 21 MB of
 * RSS for code the service never runs. These files are the same modules the index re-exports (viem.test.ts
 * checks identity against `viem`, so a viem upgrade that moves them fails the tests, and a
 * missing file fails at startup, never silently). viem's version is pinned by package-lock.json.
 */
import { dirname, join } from 'node:path'
import type * as Viem from 'viem'

export type { Client } from 'viem'

/** viem's CommonJS root (the directory of `require.resolve('viem')`, i.e. node_modules/viem/_cjs). */
export const viemCjsDir = dirname(require.resolve('viem'))

const load = <T>(file: string): T => require(join(viemCjsDir, file)) as T

export const { createClient } = load<{ createClient: typeof Viem.createClient }>('clients/createClient.js')
export const { http } = load<{ http: typeof Viem.http }>('clients/transports/http.js')
export const { RpcRequestError } = load<{ RpcRequestError: typeof Viem.RpcRequestError }>('errors/request.js')
