import { join } from 'node:path'
import * as parts from './viem'

describe('viem parts', () => {
  it('are the very functions viem exports publicly', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const viem = require('viem') as typeof import('viem')
    expect(parts.createClient).toBe(viem.createClient)
    expect(parts.http).toBe(viem.http)
    expect(parts.RpcRequestError).toBe(viem.RpcRequestError)
  })
  it('come from the installed viem', () => {
    expect(parts.viemCjsDir).toBe(join(require.resolve('viem/package.json'), '..', '_cjs'))
  })
})
