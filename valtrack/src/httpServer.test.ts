import { createServer } from 'node:http'
import { Counter, Registry } from 'prom-client'
import { listen, startHttpServer } from './httpServer.js'

test('/metrics serves the registry, /healthz the health with 200 or 503, anything else 404; close frees the port', async () => {
  const registry = new Registry()
  new Counter({ name: 'valtrack_test_total', help: 'test', registers: [registry] }).inc(3)
  let ok = true
  const http = await startHttpServer({ host: '127.0.0.1', port: 0 }, registry, () => ({ ok, reason: ok ? 'crawling' : 'stopping' }))
  const base = `http://127.0.0.1:${http.port}`
  expect(await (await fetch(`${base}/metrics`)).text()).toContain('valtrack_test_total 3')
  const healthy = await fetch(`${base}/healthz`)
  expect(healthy.status).toBe(200)
  expect(await healthy.json()).toEqual({ ok: true, reason: 'crawling' })
  ok = false
  const sick = await fetch(`${base}/healthz`)
  expect(sick.status).toBe(503)
  expect(await sick.json()).toEqual({ ok: false, reason: 'stopping' })
  expect((await fetch(`${base}/`)).status).toBe(404)
  expect((await fetch(`${base}/metrics`, { method: 'POST' })).status).toBe(405)
  await http.close()
  await expect(fetch(`${base}/healthz`)).rejects.toThrow()
})

test('a port in use is an error, not a crash', async () => {
  const registry = new Registry()
  const first = await startHttpServer({ host: '127.0.0.1', port: 0 }, registry, () => ({ ok: true }))
  await expect(startHttpServer({ host: '127.0.0.1', port: first.port }, registry, () => ({ ok: true }))).rejects.toThrow(/EADDRINUSE/)
  await first.close()
})

test('listen: a port in use is refused with EADDRINUSE; close ends open connections (a request never answered too) and frees the port', async () => {
  const server = () => createServer((req, res) => void (req.url === '/hang' || res.end('ok')))
  const s = server()
  const first = await listen(s, { host: '127.0.0.1', port: 0 })
  expect(s.keepAliveTimeout).toBe(5_000)
  await expect(listen(server(), { host: '127.0.0.1', port: first.port })).rejects.toThrow(/EADDRINUSE/)
  const base = `http://127.0.0.1:${first.port}`
  expect(await (await fetch(`${base}/`)).text()).toBe('ok')
  const hanging = fetch(`${base}/hang`)
  await new Promise((r) => setTimeout(r, 100))
  const started = Date.now()
  await first.close()
  expect(Date.now() - started).toBeLessThan(1_000)
  await expect(hanging).rejects.toThrow()
  const again = await listen(server(), { host: '127.0.0.1', port: first.port })
  expect(again.port).toBe(first.port)
  await again.close()
})
