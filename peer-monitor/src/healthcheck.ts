#!/usr/bin/env node
/** Container HEALTHCHECK without curl: GET /healthz on the configured port; exit 0 on 200. */
import { request } from 'node:http'
import { parseListen } from './config'

const listen = parseListen(process.env.PEER_MONITOR_LISTEN || '0.0.0.0:9200') ?? { host: '127.0.0.1', port: 9200 }
const host = listen.host === '0.0.0.0' || listen.host === '::' || listen.host === '' ? '127.0.0.1' : listen.host

const req = request({ host, port: listen.port, path: '/healthz', method: 'GET', timeout: 3000 }, (res) => {
  res.resume()
  process.exit(res.statusCode === 200 ? 0 : 1)
})
req.on('timeout', () => req.destroy(new Error('timeout')))
req.on('error', () => process.exit(1))
req.end()
