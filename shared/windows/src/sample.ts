/**
 * A mergeable sample: the k values whose events have the smallest hashes (ties by value). The k
 * smallest of a union are the k smallest of the parts' k smallest, so a window's sample is the
 * same however its events were cut into batches, and partial samples stored per batch merge into
 * the window's sample (in SQL too: sort the (hash, value) pairs, keep the first k). Hashes are
 * uniform, so the sample is a uniform one of the distinct events.
 */
export class BottomK {
  private hashes: number[] = []
  private values: number[] = []
  /** Whether the held pairs are at most k and ordered by (hash, value). */
  private ordered = true
  /**
   * Once k are held after a compaction: the largest hash among them. A larger hash can never be
   * among the k smallest, so most adds to a sample that has seen many more than k values stop here.
   */
  private limit = Number.POSITIVE_INFINITY

  constructor(readonly k: number) {}

  add(hash: number, value: number): void {
    if (hash > this.limit) return
    this.hashes.push(hash)
    this.values.push(value)
    this.ordered = false
    // Amortised: cut back to k whenever twice as many are held, so memory stays within 2k.
    if (this.hashes.length >= 2 * this.k) this.cut()
  }

  get size(): number {
    return Math.min(this.hashes.length, this.k)
  }

  /** The sample as parallel arrays, ordered by (hash, value). */
  take(): { hashes: number[]; values: number[] } {
    if (!this.ordered) {
      if (this.hashes.length > this.k) this.cut()
      this.order()
    }
    return { hashes: [...this.hashes], values: [...this.values] }
  }

  /**
   * The same pairs as `take`, in no particular order: for a store whose merge sorts them anyway
   * (drift_partials), without the ordering, which is most of `take`'s cost on small samples.
   */
  pairs(): { hashes: number[]; values: number[] } {
    if (this.hashes.length > this.k) this.cut()
    return { hashes: this.hashes.slice(), values: this.values.slice() }
  }

  /**
   * Keeps the k pairs with the smallest (hash, value), in no particular order. The k-th smallest
   * hash comes from a native numeric sort of the hashes (no comparator calls); only pairs that
   * tie on it are compared by value.
   */
  private cut(): void {
    const sorted = Float64Array.from(this.hashes).sort()
    const limit = sorted[this.k - 1]!
    let room = this.k - sorted.indexOf(limit)
    const ties: number[] = []
    const hashes: number[] = []
    const values: number[] = []
    for (let i = 0; i < this.hashes.length; i++) {
      const h = this.hashes[i]!
      if (h < limit) {
        hashes.push(h)
        values.push(this.values[i]!)
      } else if (h === limit) ties.push(this.values[i]!)
    }
    ties.sort((a, b) => a - b)
    for (const v of ties) {
      if (room-- <= 0) break
      hashes.push(limit)
      values.push(v)
    }
    this.hashes = hashes
    this.values = values
    this.limit = limit
  }

  /** Orders the held pairs by (hash, value): a native sort of the hashes, values found by hash. */
  private order(): void {
    const byHash = new Map<number, number[]>()
    for (let i = 0; i < this.hashes.length; i++) {
      const list = byHash.get(this.hashes[i]!)
      if (list) list.push(this.values[i]!)
      else byHash.set(this.hashes[i]!, [this.values[i]!])
    }
    const sorted = Float64Array.from(byHash.keys()).sort()
    const hashes: number[] = []
    const values: number[] = []
    for (const h of sorted) {
      const list = byHash.get(h)!
      if (list.length > 1) list.sort((a, b) => a - b)
      for (const v of list) {
        hashes.push(h)
        values.push(v)
      }
    }
    this.hashes = hashes
    this.values = values
    this.ordered = true
  }
}

/**
 * A 53-bit hash of text (cyrb53): exact as a JavaScript number and as a ClickHouse UInt64 in
 * JSON, well mixed, and cheap enough to run on every event.
 */
export function hash53(text: string, seed = 0): number {
  let h1 = 0xdeadbeef ^ seed
  let h2 = 0x41c6ce57 ^ seed
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    h1 = Math.imul(h1 ^ c, 2654435761)
    h2 = Math.imul(h2 ^ c, 1597334677)
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507)
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909)
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507)
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909)
  return 4294967296 * (2097151 & h2) + (h1 >>> 0)
}
