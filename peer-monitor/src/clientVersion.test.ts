import { parseClientVersion } from './clientVersion'

describe('parseClientVersion', () => {
  const cases: [string, string, string | null, string | null][] = [
    ['Geth/v1.17.5-stable-abc/linux-amd64/go1.25', 'geth', '1.17.5-stable-abc', 'linux-amd64'],
    ['Geth/my-node/v1.17.5-stable/linux-arm64/go1.25', 'geth', '1.17.5-stable', 'linux-arm64'],
    ['Nethermind/v1.30.0+abc/linux-x64/dotnet9', 'nethermind', '1.30.0+abc', 'linux-x64'],
    ['erigon/v3.0.0/linux-amd64/go1.23', 'erigon', '3.0.0', 'linux-amd64'],
    ['reth/v1.3.0-abc/x86_64-unknown-linux-gnu', 'reth', '1.3.0-abc', 'x86_64-unknown-linux-gnu'],
    ['besu/v25.1.0/linux-x86_64/openjdk-java-21', 'besu', '25.1.0', 'linux-x86_64'],
    ['Prysm/v7.1.2/abcdef', 'prysm', '7.1.2', null],
    ['Lighthouse/v7.0.0-abc/x86_64-linux', 'lighthouse', '7.0.0-abc', 'x86_64-linux'],
    ['teku/v25.1.0/linux-x86_64/-eclipseadoptium-openjdk64bitservervm-java-21', 'teku', '25.1.0', 'linux-x86_64'],
    ['nimbus', 'nimbus', null, null],
    ['lodestar/v1.28.0/abc123/linux-x64/nodejs', 'lodestar', '1.28.0', 'linux-x64'],
    ['Grandine/1.0.0-abc/x86_64-linux', 'grandine', '1.0.0-abc', 'x86_64-linux'],
    ['SomethingElse/v9.9.9/linux', 'unknown', '9.9.9', 'linux'],
  ]
  it.each(cases)('%s', (raw, family, version, os) => {
    const info = parseClientVersion(raw)
    expect(info).toEqual({ family, name: raw.split('/')[0], version, os, raw })
  })

  it.each([undefined, null, '', '   ', 42, {}])('missing or non-string %p is unknown', (raw) => {
    expect(parseClientVersion(raw)).toEqual({
      family: 'unknown',
      name: null,
      version: null,
      os: null,
      raw: null,
    })
  })
})
