import { ConnectionClosedError, OversizedResponseError } from './errors'
import { createClient, getWebSocketRpcClient, http, RpcRequestError, type Client, type SocketRpcClient } from './viem'

/** JSON-RPC access to geth, over viem's http transport or its WebSocket RPC client. */
export type ElClient = {
  readonly kind: 'ws' | 'http'
  readonly connected: boolean
  /** Opens the WebSocket (no-op over HTTP or when already open). */
  connect(): Promise<void>
  request(method: string, params?: unknown[]): Promise<unknown>
  /**
   * `admin_subscribe ["peerEvents"]` (WebSocket only); `onEvent` receives each notification's `result`.
   * Throws when the node refuses the subscription.
   */
  subscribePeerEvents(onEvent: (result: unknown) => void): Promise<string>
  /** Called once per connection when the WebSocket closes unexpectedly. */
  onDisconnect(handler: (error: Error) => void): void
  close(): void
}

export type ElClientOptions = { timeoutMs: number; maxResponseBytes: number }

export function createElClient(url: string, options: ElClientOptions): ElClient {
  return /^wss?:/i.test(url) ? new WsElClient(url, options) : new HttpElClient(url, options)
}

class HttpElClient implements ElClient {
  readonly kind = 'http' as const
  readonly connected = true
  private readonly client: Client
  constructor(url: string, options: ElClientOptions) {
    this.client = createClient({
      transport: http(url, { timeout: options.timeoutMs, retryCount: 0, maxResponseBodySize: options.maxResponseBytes }),
    })
  }
  async connect() {}
  request(method: string, params: unknown[] = []): Promise<unknown> {
    return this.client.request({ method, params } as never, { retryCount: 0, dedupe: false })
  }
  async subscribePeerEvents(): Promise<string> {
    throw new Error('subscriptions need a WebSocket connection')
  }
  onDisconnect() {}
  close() {}
}

type WsMessage = { data: unknown }

/**
 * viem's WebSocket RPC client handles requests/responses; viem only routes
 * `eth_subscription` notifications, so geth's `admin_subscription` notifications
 * are read from the same socket by our own listener. Reconnects are ours
 * (viem's reconnect is off) so that backoff and re-subscription are explicit.
 */
class WsElClient implements ElClient {
  readonly kind = 'ws' as const
  private socketClient: SocketRpcClient<WebSocket> | null = null
  private disconnectHandler: ((error: Error) => void) | null = null
  private subscription: { id: string; onEvent: (result: unknown) => void } | null = null
  private oversizedCount = 0
  private closeReason: Error | null = null

  constructor(private readonly url: string, private readonly options: ElClientOptions) {}

  get connected() {
    return this.socketClient !== null
  }

  onDisconnect(handler: (error: Error) => void) {
    this.disconnectHandler = handler
  }

  async connect(): Promise<void> {
    if (this.socketClient) return
    this.closeReason = null
    this.subscription = null
    const pending = getWebSocketRpcClient(this.url, { keepAlive: false, reconnect: false })
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(Object.assign(new Error(`WebSocket connect to ${this.url} timed out`), { name: 'TimeoutError' })), this.options.timeoutMs)
    })
    let client: SocketRpcClient<WebSocket>
    try {
      client = await Promise.race([pending, timeout])
    } catch (error) {
      // A late connection must not leak.
      pending.then((c) => c.close(), () => {})
      throw normaliseSocketError(error)
    } finally {
      clearTimeout(timer)
    }
    const socket = client.socket
    const onMessage = (event: WsMessage) => this.handleMessage(event.data)
    const onClose = () => {
      socket.removeEventListener('message', onMessage as never)
      socket.removeEventListener('close', onClose)
      if (!this.dropConnection(client)) return
      const reason = this.closeReason ?? new ConnectionClosedError(`WebSocket to ${this.url} closed`)
      this.disconnectHandler?.(reason)
    }
    socket.addEventListener('message', onMessage as never)
    socket.addEventListener('close', onClose)
    this.socketClient = client
  }

  private handleMessage(data: unknown) {
    const size = typeof data === 'string' ? Buffer.byteLength(data) : data instanceof ArrayBuffer ? data.byteLength : Buffer.isBuffer(data) ? data.length : 0
    if (size > this.options.maxResponseBytes) {
      this.oversizedCount++
      this.closeReason = new OversizedResponseError(this.options.maxResponseBytes)
      this.socketClient?.socket.close()
      return
    }
    if (!this.subscription || typeof data !== 'string' || !data.includes('_subscription')) return
    let message: unknown
    try {
      message = JSON.parse(data)
    } catch {
      return // viem reports malformed messages to the pending requests
    }
    const m = message as { method?: unknown; params?: { subscription?: unknown; result?: unknown } }
    if (typeof m.method === 'string' && m.method.endsWith('_subscription') && m.params?.subscription === this.subscription.id)
      this.subscription.onEvent(m.params.result)
  }

  async request(method: string, params: unknown[] = []): Promise<unknown> {
    await this.connect()
    const client = this.socketClient
    if (!client) throw new ConnectionClosedError(`WebSocket to ${this.url} closed`)
    const before = this.oversizedCount
    let response: { result?: unknown; error?: { code: number; message: string; data?: unknown } }
    try {
      response = (await client.requestAsync({ body: { method, params }, timeout: this.options.timeoutMs })) as typeof response
    } catch (error) {
      // Anything but a JSON-RPC error leaves the socket in an unknown state: start afresh next time.
      this.dropConnection(client)
      if (this.oversizedCount !== before || this.closeReason instanceof OversizedResponseError) throw new OversizedResponseError(this.options.maxResponseBytes)
      throw normaliseSocketError(error)
    }
    if (this.oversizedCount !== before) throw new OversizedResponseError(this.options.maxResponseBytes)
    if (response.error) throw new RpcRequestError({ body: { method, params }, error: response.error, url: this.url })
    return response.result
  }

  async subscribePeerEvents(onEvent: (result: unknown) => void): Promise<string> {
    const id = await this.request('admin_subscribe', ['peerEvents'])
    if (typeof id !== 'string') throw new Error(`admin_subscribe returned ${JSON.stringify(id)}`)
    this.subscription = { id, onEvent }
    return id
  }

  /** Forgets `client` if it is still the current connection and closes it; false if it was already replaced. */
  private dropConnection(client: SocketRpcClient<WebSocket>): boolean {
    if (this.socketClient !== client) return false
    this.socketClient = null
    this.subscription = null
    try {
      client.close()
    } catch {
      // already closed
    }
    return true
  }

  close() {
    const client = this.socketClient
    this.socketClient = null
    this.subscription = null
    this.disconnectHandler = null
    if (client) {
      try {
        client.close()
      } catch {
        // ignore
      }
    }
  }
}

/** ws reports connection failures as ErrorEvent objects; turn them into Errors with the cause kept. */
function normaliseSocketError(error: unknown): Error {
  const e = error as { error?: unknown; message?: unknown; stack?: unknown } | null
  // Check shapes, not instanceof: errors may come from another realm (e.g. test sandboxes).
  if (e && typeof e === 'object' && e.error && typeof e.error === 'object') return e.error as Error
  if (e && typeof e === 'object' && typeof e.message === 'string' && typeof e.stack === 'string') return e as Error
  return new ConnectionClosedError(typeof e?.message === 'string' && e.message ? e.message : 'WebSocket error')
}
