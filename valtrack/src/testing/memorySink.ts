/** A sink that keeps events in memory, for tests of the sentry (the real sinks have tests of their own). */
import type { EventOf, EventSink, EventType, SinkStats } from '../sinks/sink.js'

export class MemorySink implements EventSink {
  readonly kind = 'jsonl' as const
  readonly events: { type: EventType; event: EventOf<EventType> }[] = []
  closed = false

  publish<T extends EventType>(type: T, event: EventOf<T>): void {
    // Through JSON, as every real sink stores them: what a consumer would read.
    this.events.push({ type, event: JSON.parse(JSON.stringify(event)) as EventOf<T> })
  }

  of<T extends EventType>(type: T): EventOf<T>[] {
    return this.events.filter((e) => e.type === type).map((e) => e.event as EventOf<T>)
  }

  async close(): Promise<void> {
    this.closed = true
  }

  stats(): SinkStats {
    return { published: this.events.length, failed: 0, buffered: 0, dropped: 0, inFlight: 0 }
  }
}
