/**
 * The consensus client family from a libp2p identify agent version, for the "handshakes by client family"
 * metric: a bounded label set, whatever a peer claims. Agent versions look like "Prysm/v7.1.2/<commit>",
 * "Lighthouse/v7.0.1-e42406d/x86_64-linux", "teku/teku/v25.6.0/linux-x86_64/...", "nimbus",
 * "Lodestar/v1.30.0/...", "Grandine/1.1.0-.../...", "erigon/caplin".
 */
export const clientFamilies = ['prysm', 'lighthouse', 'teku', 'nimbus', 'lodestar', 'grandine', 'caplin', 'other', 'unknown'] as const
export type ClientFamily = (typeof clientFamilies)[number]

const patterns: [RegExp, ClientFamily][] = [
  [/^prysm\b/i, 'prysm'],
  [/^lighthouse\b/i, 'lighthouse'],
  [/^teku\b/i, 'teku'],
  [/^nimbus\b/i, 'nimbus'],
  [/^lodestar\b/i, 'lodestar'],
  [/^grandine\b/i, 'grandine'],
  [/^(erigon|caplin)\b/i, 'caplin'],
]

/** Pure: "unknown" for an empty or missing agent version, "other" for one of no known family. */
export function clientFamily(agentVersion: string | undefined): ClientFamily {
  const v = agentVersion?.trim() ?? ''
  if (v === '') return 'unknown'
  return patterns.find(([re]) => re.test(v))?.[1] ?? 'other'
}
