#!/usr/bin/env node
/**
 * Container HEALTHCHECK without curl: GET /healthz on the service's listen address (healthcheckTarget: the
 * service's own parsing of PEER_MONITOR_LISTEN and its default); exit 0 on 200, else 1.
 */
import { request } from 'node:http'
import { healthcheckTarget } from './config'

const target = healthcheckTarget(process.env)
if (target.kind === 'error') {
  process.stderr.write(`eth-peer-monitor healthcheck: ${target.message}\n`)
  process.exit(1)
}

const req = request({ host: target.host, port: target.port, path: '/healthz', method: 'GET', timeout: 3000 }, (res) => {
  res.resume()
  process.exit(res.statusCode === 200 ? 0 : 1)
})
req.on('timeout', () => req.destroy(new Error('timeout')))
req.on('error', () => process.exit(1))
req.end()
