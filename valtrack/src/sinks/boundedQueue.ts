/**
 * The events waiting for NATS, bounded by count and by bytes. When full the OLDEST are dropped: the sentry
 * revisits every peer each revisit period, so an old event about a peer is superseded by a newer one about the
 * same peer, and after an outage the consumer gets the current state of the network rather than its state when
 * the outage began. Events put back after a failed attempt go to the front (they are the oldest), so a message
 * that can never be stored is the first to go when the buffer fills behind it.
 */
export type Sized = { readonly bytes: number }

export class BoundedQueue<T extends Sized> {
  private items: (T | undefined)[] = []
  private head = 0
  private totalBytes = 0

  constructor(
    readonly maxItems: number,
    readonly maxBytes: number,
  ) {
    if (!(maxItems >= 1) || !(maxBytes >= 1)) throw new RangeError(`invalid queue bounds ${maxItems} items, ${maxBytes} bytes`)
  }

  get size(): number {
    return this.items.length - this.head
  }

  get bytes(): number {
    return this.totalBytes
  }

  /** Appends; returns how many events were dropped to stay within bounds (the item itself if it alone is too big). */
  push(item: T): number {
    if (item.bytes > this.maxBytes) return 1
    this.items.push(item)
    this.totalBytes += item.bytes
    return this.trim()
  }

  /** Puts an event back at the front; returns how many were dropped (from the front: the oldest). */
  unshift(item: T): number {
    if (item.bytes > this.maxBytes) return 1
    if (this.head > 0) this.items[--this.head] = item
    else this.items.unshift(item)
    this.totalBytes += item.bytes
    return this.trim()
  }

  shift(): T | undefined {
    if (this.size === 0) return undefined
    const item = this.items[this.head] as T
    this.items[this.head++] = undefined
    this.totalBytes -= item.bytes
    // Compacting once half the array is spent keeps shift O(1) amortised without growing forever.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head)
      this.head = 0
    }
    return item
  }

  /** Removes everything; returns how many were removed. */
  clear(): number {
    const n = this.size
    this.items = []
    this.head = 0
    this.totalBytes = 0
    return n
  }

  private trim(): number {
    let dropped = 0
    while (this.size > this.maxItems || this.totalBytes > this.maxBytes) {
      this.shift()
      dropped++
    }
    return dropped
  }
}
