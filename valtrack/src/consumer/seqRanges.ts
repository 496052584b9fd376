/**
 * A set of non-negative integers (stream sequences) kept as sorted, disjoint, non-adjacent closed ranges:
 * a stream's sequences are mostly consecutive, so millions of them take a few ranges. `has` is a binary search;
 * `add` is O(1) amortised for increasing sequences (the common case) and O(ranges) otherwise.
 */
export class SeqRanges {
  private starts: number[] = []
  private ends: number[] = []
  private count = 0

  /** Number of sequences in the set. */
  get size(): number {
    return this.count
  }

  /** Number of ranges (for tests and metrics). */
  get rangeCount(): number {
    return this.starts.length
  }

  /** Index of the last range whose start is <= seq, or -1. */
  private floor(seq: number): number {
    let lo = 0
    let hi = this.starts.length - 1
    let found = -1
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1
      if (this.starts[mid]! <= seq) {
        found = mid
        lo = mid + 1
      } else hi = mid - 1
    }
    return found
  }

  has(seq: number): boolean {
    const i = this.floor(seq)
    return i >= 0 && seq <= this.ends[i]!
  }

  /** Adds one sequence; returns false if it was already there. */
  add(seq: number): boolean {
    if (!Number.isSafeInteger(seq) || seq < 0) throw new RangeError(`not a sequence: ${seq}`)
    const last = this.starts.length - 1
    // Fast path: at or after the end of the last range.
    if (last < 0 || seq > this.ends[last]!) {
      if (last >= 0 && seq === this.ends[last]! + 1) this.ends[last] = seq
      else {
        this.starts.push(seq)
        this.ends.push(seq)
      }
      this.count++
      return true
    }
    const i = this.floor(seq)
    if (i >= 0 && seq <= this.ends[i]!) return false
    const joinsLeft = i >= 0 && this.ends[i]! + 1 === seq
    const joinsRight = i + 1 < this.starts.length && this.starts[i + 1]! - 1 === seq
    if (joinsLeft && joinsRight) {
      this.ends[i] = this.ends[i + 1]!
      this.starts.splice(i + 1, 1)
      this.ends.splice(i + 1, 1)
    } else if (joinsLeft) this.ends[i] = seq
    else if (joinsRight) this.starts[i + 1] = seq
    else {
      this.starts.splice(i + 1, 0, seq)
      this.ends.splice(i + 1, 0, seq)
    }
    this.count++
    return true
  }

  /** The ranges, in order, as [start, end] (closed). */
  ranges(): Array<[number, number]> {
    return this.starts.map((s, i) => [s, this.ends[i]!])
  }
}
