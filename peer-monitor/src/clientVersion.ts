import type { ClientFamily, ClientInfo } from './types'

const families: readonly Exclude<ClientFamily, 'unknown'>[] = [
  'geth',
  'nethermind',
  'besu',
  'erigon',
  'reth',
  'lighthouse',
  'prysm',
  'teku',
  'nimbus',
  'lodestar',
  'grandine',
]

export const clientFamilies: readonly ClientFamily[] = [...families, 'unknown']

const versionPattern = /^v?\d+\.\d+/
const osPattern =
  /(linux|darwin|macos|windows|win64|freebsd|openbsd|x86_64|amd64|arm64|aarch64|x64|i686)/i

/** Strips a leading "v" from "v1.2.3" style versions. */
function normaliseVersion(segment: string): string {
  return /^v\d/.test(segment) ? segment.slice(1) : segment
}

/** Maps the product name (first segment) to a client family. */
export function clientFamily(name: string | null | undefined): ClientFamily {
  if (!name) return 'unknown'
  const lower = name.trim().toLowerCase()
  for (const family of families) if (lower.startsWith(family)) return family
  return 'unknown'
}

/**
 * Parses a client identification string, e.g. an EL devp2p name
 * ("Geth/v1.17.5-stable-abc/linux-amd64/go1.25") or a CL libp2p agent
 * ("Prysm/v7.1.2/abcdef", "Lighthouse/v7.0.0-abc/x86_64-linux").
 * Never throws: anything unrecognised yields family "unknown".
 */
export function parseClientVersion(raw: unknown): ClientInfo {
  if (typeof raw !== 'string' || raw.trim() === '') return unknownClient
  const cached = cache.get(raw)
  if (cached) return cached
  const info = Object.freeze(parseUncached(raw))
  // Thousands of peers share a few dozen client strings: one shared, frozen object each (bounded).
  if (cache.size >= maxCached) cache.clear()
  cache.set(raw, info)
  return info
}

const unknownClient: ClientInfo = Object.freeze({ family: 'unknown', name: null, version: null, os: null, raw: null })
const maxCached = 1024
const cache = new Map<string, ClientInfo>()

function parseUncached(raw: string): ClientInfo {
  const segments = raw.trim().split('/').map((s) => s.trim())
  const name = segments[0] || null
  // Geth allows an identity between name and version ("Geth/myname/v1.17.5/...");
  // take the first segment that looks like a version.
  let versionIndex = -1
  for (let i = 1; i < segments.length; i++) {
    if (versionPattern.test(segments[i]!)) {
      versionIndex = i
      break
    }
  }
  const version = versionIndex > 0 ? normaliseVersion(segments[versionIndex]!) : null
  let os: string | null = null
  const start = versionIndex > 0 ? versionIndex + 1 : 1
  for (let i = start; i < segments.length; i++) {
    if (osPattern.test(segments[i]!)) {
      os = segments[i]!
      break
    }
  }
  return { family: clientFamily(name), name, version, os, raw }
}
