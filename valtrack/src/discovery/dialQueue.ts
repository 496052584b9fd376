/**
 * The hand-off from discovery to the dialer: bounded, first in first out, one entry per node. Nothing is
 * dropped: when it is full, `offer` waits for room, so that a fast crawl slows down instead of losing nodes
 * (the original's non-blocking send dropped them and marked them seen, so they were never dialed).
 * A node offered again while queued is not queued twice; its entry takes the newer record.
 */
export class DialQueue<T> {
  private readonly entries = new Map<string, T>()
  private readonly waitingForRoom: (() => void)[] = []
  private readonly waitingForItem: (() => void)[] = []

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`)
  }

  get size(): number {
    return this.entries.size
  }

  /**
   * Queues `item` under `key`, waiting while the queue is full. Resolves "updated" when the key was already
   * queued (the entry now holds `item`, in its old place), else "queued".
   */
  async offer(key: string, item: T): Promise<'queued' | 'updated'> {
    for (;;) {
      if (this.entries.has(key)) {
        this.entries.set(key, item)
        return 'updated'
      }
      if (this.entries.size < this.capacity) {
        this.entries.set(key, item)
        this.waitingForItem.shift()?.()
        return 'queued'
      }
      await new Promise<void>((resolve) => this.waitingForRoom.push(resolve))
    }
  }

  /** The oldest entry, waiting for one if the queue is empty. */
  async take(): Promise<{ key: string; item: T }> {
    for (;;) {
      const first = this.entries.entries().next()
      if (!first.done) {
        const [key, item] = first.value
        this.entries.delete(key)
        this.waitingForRoom.shift()?.()
        return { key, item }
      }
      await new Promise<void>((resolve) => this.waitingForItem.push(resolve))
    }
  }
}
