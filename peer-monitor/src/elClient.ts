import { WebSocket, type RawData } from 'ws'
import { ConnectionClosedError, MalformedResponseError, OversizedResponseError } from './errors'
import { encodeRequest, parseRpcMessage, type RpcMessage, type RpcResponse } from './jsonRpc'
import { forEachElement, parseSpan } from './jsonScan'
import { createClient, http, RpcRequestError, type Client } from './viem'

/** A list result: its elements went to the caller one by one, or (not an array, e.g. null) the value itself. */
export type ListResult = { streamed: true } | { streamed: false; result: unknown }

/** JSON-RPC access to geth, over viem's http transport or our WebSocket client (below). */
export type ElClient = {
  readonly kind: 'ws' | 'http'
  readonly connected: boolean
  /** Opens the WebSocket (no-op over HTTP or when already open). */
  connect(): Promise<void>
  request(method: string, params?: unknown[]): Promise<unknown>
  /**
   * A request whose result is a list: each element goes to `onElement` as soon as it is parsed. Over the
   * WebSocket the list is never one parsed array (see WsElClient); over HTTP, viem parses the body whole.
   */
  requestList(method: string, params: unknown[], onElement: (element: unknown) => void): Promise<ListResult>
  /**
   * `admin_subscribe ["peerEvents"]` (WebSocket only); `onEvent` receives each notification's `result`.
   * Throws when the node refuses the subscription.
   */
  subscribePeerEvents(onEvent: (result: unknown) => void): Promise<string>
  /** Called once per connection when the WebSocket closes unexpectedly. */
  onDisconnect(handler: (error: Error) => void): void
  /** For good: pending requests fail, a connection still opening is dropped. */
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
  async requestList(method: string, params: unknown[], onElement: (element: unknown) => void): Promise<ListResult> {
    const result = await this.request(method, params)
    if (!Array.isArray(result)) return { streamed: false, result }
    for (const element of result) onElement(element)
    return { streamed: true }
  }
  async subscribePeerEvents(): Promise<string> {
    throw new Error('subscriptions need a WebSocket connection')
  }
  onDisconnect() {}
  close() {}
}

type PendingRequest = {
  resolve(message: RpcResponse): void
  reject(error: Error): void
  timer: NodeJS.Timeout
}

/**
 * JSON-RPC over one WebSocket (ws), ours rather than viem's: viem's socket client parses every message whole
 * (at 10,000 peers `admin_peers` is a ~5 MB message, a ~15 MB object tree that outlives several young-generation
 * collections) and routes only `eth_subscription` notifications, while geth sends `admin_subscription`. Here
 * a response's result stays bytes until the caller parses it — entry by entry for lists. Reconnects are the
 * monitor's, so that backoff and re-subscription are explicit.
 */
class WsElClient implements ElClient {
  readonly kind = 'ws' as const
  private socket: WebSocket | null = null
  private readonly pending = new Map<number, PendingRequest>()
  private nextId = 1
  private disconnectHandler: ((error: Error) => void) | null = null
  private subscription: { id: string; onEvent: (result: unknown) => void } | null = null
  private opening: Promise<void> | null = null
  /** Set by close(): for good, a connection still opening is then dropped as it opens. */
  private closed = false

  constructor(private readonly url: string, private readonly options: ElClientOptions) {}

  get connected() {
    return this.socket !== null
  }

  onDisconnect(handler: (error: Error) => void) {
    this.disconnectHandler = handler
  }

  /** Opens the socket; concurrent callers share one attempt. */
  connect(): Promise<void> {
    if (this.socket) return Promise.resolve()
    this.opening ??= this.open().finally(() => {
      this.opening = null
    })
    return this.opening
  }

  private async open(): Promise<void> {
    this.subscription = null
    // maxPayload: ws refuses a larger message as its frames arrive (close code 1009), never buffering it.
    const socket = new WebSocket(this.url, { maxPayload: this.options.maxResponseBytes })
    // Listening from the start: ws emits 'error' (connection refused, payload too large, ...) before 'close'.
    let closeReason: Error | null = null
    socket.on('error', (error: Error & { code?: string }) => {
      closeReason = error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' ? new OversizedResponseError(this.options.maxResponseBytes) : error
    })
    await new Promise<void>((resolve, reject) => {
      const failedToOpen = () => {
        clearTimeout(timer)
        reject(closeReason ?? new ConnectionClosedError(`WebSocket to ${this.url} closed before it opened`))
      }
      const timer = setTimeout(() => {
        socket.off('close', failedToOpen)
        socket.terminate()
        reject(Object.assign(new Error(`WebSocket connect to ${this.url} timed out after ${this.options.timeoutMs} ms`), { name: 'TimeoutError' }))
      }, this.options.timeoutMs)
      socket.once('close', failedToOpen)
      socket.once('open', () => {
        clearTimeout(timer)
        socket.off('close', failedToOpen)
        resolve()
      })
    })
    if (this.closed) {
      socket.terminate()
      throw new ConnectionClosedError(`WebSocket to ${this.url} closed by the monitor`)
    }
    // The message stays bytes (never one 5 MB string): see jsonScan.
    socket.on('message', (data: RawData, isBinary: boolean) => this.handleMessage(socket, !isBinary && Buffer.isBuffer(data) ? data : null))
    socket.once('close', (code: number) => {
      const reason = code === 1009 ? new OversizedResponseError(this.options.maxResponseBytes) : closeReason ?? new ConnectionClosedError(`WebSocket to ${this.url} closed`)
      if (this.drop(socket, reason)) this.disconnectHandler?.(reason)
    })
    this.socket = socket
  }

  private handleMessage(socket: WebSocket, bytes: Buffer | null) {
    if (socket !== this.socket) return
    let message: RpcMessage
    try {
      if (bytes === null) throw new MalformedResponseError('binary WebSocket message')
      message = parseRpcMessage(bytes)
    } catch (error) {
      // Which request it answered is unknown: fail them all and start afresh.
      this.drop(socket, error as Error)
      return
    }
    if (message.kind === 'notification') {
      const subscription = this.subscription
      if (subscription && message.method.endsWith('_subscription') && message.subscription === subscription.id) subscription.onEvent(message.result)
      return
    }
    const request = typeof message.id === 'number' ? this.pending.get(message.id) : undefined
    if (!request) return // a late answer to a request that timed out
    this.pending.delete(message.id as number)
    clearTimeout(request.timer)
    request.resolve(message)
  }

  /**
   * Sends one request; resolves with its response (result still bytes). `onAnswer` runs synchronously when the
   * answer is read, before any later message of the socket (a promise continuation would run after them).
   */
  private async call(method: string, params: unknown[], onAnswer?: (response: RpcResponse) => void): Promise<Extract<RpcResponse, { error: null }>> {
    await this.connect()
    const socket = this.socket
    if (!socket) throw new ConnectionClosedError(`WebSocket to ${this.url} closed`)
    const id = this.nextId++
    const response = await new Promise<RpcResponse>((resolve, reject) => {
      const timer = setTimeout(() => {
        // No answer in time: the connection may be dead (half-open TCP); start afresh next time.
        this.pending.delete(id)
        reject(Object.assign(new Error(`${method} on ${this.url} timed out after ${this.options.timeoutMs} ms`), { name: 'TimeoutError' }))
        this.drop(socket, new ConnectionClosedError(`WebSocket to ${this.url} dropped after a timeout`))
      }, this.options.timeoutMs)
      this.pending.set(id, {
        resolve: (response) => {
          onAnswer?.(response)
          resolve(response)
        },
        reject,
        timer,
      })
      socket.send(encodeRequest(id, method, params), (error) => {
        if (error) this.drop(socket, error)
      })
    })
    if (response.error) throw new RpcRequestError({ body: { method, params }, error: response.error, url: this.url })
    return response
  }

  async request(method: string, params: unknown[] = []): Promise<unknown> {
    const response = await this.call(method, params)
    return parseSpan(response.bytes, response.result)
  }

  async requestList(method: string, params: unknown[], onElement: (element: unknown) => void): Promise<ListResult> {
    const response = await this.call(method, params)
    if (forEachElement(response.bytes, response.result, onElement)) return { streamed: true }
    return { streamed: false, result: parseSpan(response.bytes, response.result) }
  }

  async subscribePeerEvents(onEvent: (result: unknown) => void): Promise<string> {
    let id: unknown
    // Registered as the answer is read: geth may send the first notification in the same TCP segment.
    await this.call('admin_subscribe', ['peerEvents'], (response) => {
      if (!response.result) return
      try {
        id = parseSpan(response.bytes, response.result)
      } catch {
        return // reported below
      }
      if (typeof id === 'string') this.subscription = { id, onEvent }
    })
    if (typeof id !== 'string') throw new MalformedResponseError(`admin_subscribe returned ${JSON.stringify(id)}`)
    return id
  }

  /**
   * Forgets `socket` if it is still the current connection, fails its pending requests with `reason` and
   * closes it; false if it was already replaced.
   */
  private drop(socket: WebSocket, reason: Error): boolean {
    if (this.socket !== socket) return false
    this.socket = null
    this.subscription = null
    for (const request of this.pending.values()) {
      clearTimeout(request.timer)
      request.reject(reason)
    }
    this.pending.clear()
    socket.terminate()
    return true
  }

  close() {
    this.closed = true
    this.disconnectHandler = null
    if (this.socket) this.drop(this.socket, new ConnectionClosedError(`WebSocket to ${this.url} closed by the monitor`))
  }
}
