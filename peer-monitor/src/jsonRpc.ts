/**
 * JSON-RPC 2.0 messages as they arrive on geth's WebSocket: responses and subscription notifications.
 * Pure. A response's `result` is left unparsed (a span of the message's bytes) so that a large list can be
 * parsed entry by entry (jsonScan.forEachElement) instead of as one object tree.
 */
import { MalformedResponseError } from './errors'
import { parseSpan, scanObject, type JsonBytes, type Span } from './jsonScan'

export type RpcErrorObject = { code: number; message: string; data?: unknown }

/** A response: a result (still bytes) or an error. */
export type RpcResponse =
  | { kind: 'response'; id: number | string; bytes: JsonBytes; result: Span; error: null }
  | { kind: 'response'; id: number | string; bytes: JsonBytes; result: null; error: RpcErrorObject }

export type RpcMessage =
  | RpcResponse
  /** `params` of a `*_subscription` notification. */
  | { kind: 'notification'; method: string; subscription: unknown; result: unknown }

/** The request as sent: `{"jsonrpc":"2.0","id":…,"method":…,"params":[…]}`. */
export function encodeRequest(id: number, method: string, params: readonly unknown[]): string {
  return JSON.stringify({ jsonrpc: '2.0', id, method, params })
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/**
 * Reads one message. Throws a SyntaxError for text that is not JSON and a MalformedResponseError for JSON
 * that is neither a response (an id and a result or an error) nor a notification.
 */
export function parseRpcMessage(bytes: JsonBytes): RpcMessage {
  const members = scanObject(bytes)
  if (!members) {
    parseSpan(bytes, { start: 0, end: bytes.length }) // a SyntaxError when it is not JSON at all
    throw new MalformedResponseError('JSON-RPC message is not an object')
  }
  const field = (name: string): unknown => {
    const span = members.get(name)
    return span ? parseSpan(bytes, span) : undefined
  }
  const id = field('id')
  const method = field('method')
  if (id === undefined && typeof method === 'string') {
    const params = field('params')
    if (!isObject(params)) throw new MalformedResponseError(`JSON-RPC notification ${method} without params`)
    return { kind: 'notification', method, subscription: params.subscription, result: params.result }
  }
  if (typeof id !== 'number' && typeof id !== 'string') throw new MalformedResponseError(`JSON-RPC response with id ${JSON.stringify(id)}`)
  const error = field('error')
  if (error !== undefined && error !== null) {
    if (!isObject(error) || typeof error.code !== 'number' || typeof error.message !== 'string')
      throw new MalformedResponseError(`JSON-RPC response ${id}: malformed error ${JSON.stringify(error).slice(0, 120)}`)
    return { kind: 'response', id, bytes, result: null, error: { code: error.code, message: error.message, data: error.data } }
  }
  const result = members.get('result')
  if (!result) throw new MalformedResponseError(`JSON-RPC response ${id} has neither result nor error`)
  return { kind: 'response', id, bytes, result, error: null }
}
