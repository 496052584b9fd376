/**
 * The memory benchmark of `npm run bench`: a real sentry (discv5, libp2p host, crawler, dialer, metrics,
 * JSON-lines sink) given 10,000 signed node records on its current fork digest as bootnodes, so that all of
 * them enter the peer table through the path FINDNODE answers take. The records point at closed loopback
 * ports, so the crawl and the dials run as against unreachable mainnet nodes (timeouts, refusals, backoff
 * state for each). The records are made in this process and the sentry runs in a fresh child process
 * with the sentry's V8 flags (nodeFlags.ts) and `--expose-gc`, so that its RSS holds nothing of the key generation; RSS is read after `seconds` of
 * crawling, after a full GC, and its peak while running.
 */
import { SignableENR } from '@chainsafe/enr'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { eth2Field, forkSchedule } from './forks.js'
import { builtinNetwork } from './networks.js'
import { SENTRY_NODE_FLAGS } from './nodeFlags.js'

export async function benchMemory(nodes: number, seconds: number): Promise<void> {
  const eth2 = eth2Field(forkSchedule(builtinNetwork('mainnet'))(Date.now()))
  const enrs: string[] = []
  for (let i = 0; i < nodes; i++) {
    const key = await generateKeyPair('secp256k1')
    const enr = SignableENR.createV4(key.raw, { eth2, attnets: new Uint8Array(8), syncnets: new Uint8Array(1) })
    enr.ip = '127.0.0.1'
    // Ports nothing listens on: UDP requests go unanswered (timeouts), TCP dials are refused.
    enr.udp = 1 + (i % 1000)
    enr.tcp = 1 + (i % 1000)
    enrs.push(enr.encodeTxt())
  }
  const dir = mkdtempSync(join(tmpdir(), 'valtrack-bench-'))
  try {
    writeFileSync(join(dir, 'enrs.txt'), enrs.join('\n'))
    const child = fileURLToPath(new URL('./benchMemoryRun.js', import.meta.url))
    process.stdout.write(execFileSync(process.execPath, [...SENTRY_NODE_FLAGS, '--expose-gc', child, dir, String(seconds)], { encoding: 'utf8' }))
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
