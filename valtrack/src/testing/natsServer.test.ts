import { connect } from '@nats-io/transport-node'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort, natsServerBinary, NatsServer, startNatsServer } from './natsServer.js'

describe('natsServerBinary', () => {
  it('names the build command when the binary is nowhere', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'no-nats-'))
    try {
      expect(() => natsServerBinary({ PATH: empty, ETH_E2E_CACHE: empty })).toThrow(/go install github.com\/nats-io\/nats-server\/v2@v2\.15\.2/)
    } finally {
      await rm(empty, { recursive: true })
    }
  })

  it('finds it (this machine must have it: tests of the NATS sink fail rather than skip)', () => {
    expect(natsServerBinary()).toMatch(/nats-server$/)
  })
})

describe('NatsServer', () => {
  it('starts with JetStream on loopback, stops, and restarts on the same port', async () => {
    const server = await startNatsServer()
    try {
      expect(server.args()).toEqual(['-a', '127.0.0.1', '-p', String(server.port), '-js', '-sd', server.storeDir])
      const nc = await connect({ servers: server.url })
      expect(nc.info?.jetstream).toBe(true)
      await nc.close()
      await server.stop()
      expect(server.isRunning).toBe(false)
      await expect(connect({ servers: server.url, timeout: 2_000 })).rejects.toThrow()
      await server.restart()
      const again = await connect({ servers: server.url })
      expect(again.info?.port).toBe(server.port)
      await again.close()
    } finally {
      await server.dispose()
    }
  })

  it('builds cluster flags', async () => {
    const [a, b, c] = [await freePort(), await freePort(), await freePort()]
    const server = await NatsServer.create({ name: 'n1', cluster: { name: 'valtrack', port: a, routes: [b, c] } })
    expect(server.args()).toEqual(
      expect.arrayContaining(['-n', 'n1', '--cluster_name', 'valtrack', '--cluster', `nats://127.0.0.1:${a}`, '--routes', `nats://127.0.0.1:${b},nats://127.0.0.1:${c}`]),
    )
    await server.dispose()
  })
})
