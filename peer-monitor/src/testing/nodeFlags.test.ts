import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { dockerfilePath, entrypointNodeFlags, productionNodeFlags } from './nodeFlags'

describe('production node flags', () => {
  it('come from the Dockerfile ENTRYPOINT: capped young and old generation, no GC threads', () => {
    expect(dockerfilePath).toBe(join(__dirname, '..', '..', 'Dockerfile'))
    expect(productionNodeFlags()).toEqual(['--max-semi-space-size=4', '--max-old-space-size=64', '--single-threaded-gc'])
  })
  it('are documented in the README for runs outside the image', () => {
    const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8')
    const flags = productionNodeFlags()
    expect(readme).toContain(`ENTRYPOINT ["node", ${flags.map((f) => `"${f}"`).join(', ')}, "dist/main.js"]`)
    expect(readme).toContain(`NODE_OPTIONS="${flags.join(' ')}" npm run peer-monitor`)
  })
  it('parse the exec form only', () => {
    expect(entrypointNodeFlags('FROM x\nENTRYPOINT ["node", "dist/main.js"]\nCMD []\n')).toEqual([])
    expect(entrypointNodeFlags('ENTRYPOINT ["node", "--a=1", "--b", "dist/main.js"]')).toEqual(['--a=1', '--b'])
    expect(() => entrypointNodeFlags('ENTRYPOINT node dist/main.js')).toThrow()
    expect(() => entrypointNodeFlags('ENTRYPOINT ["node", "x.js", "dist/main.js"]')).toThrow(/unexpected/)
    expect(() => entrypointNodeFlags('FROM x')).toThrow(/exactly one/)
  })
})
