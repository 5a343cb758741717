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
  private sorted = true

  constructor(readonly k: number) {}

  add(hash: number, value: number): void {
    this.hashes.push(hash)
    this.values.push(value)
    this.sorted = false
    // Amortised: cut back to k whenever twice as many are held, so memory stays within 2k.
    if (this.hashes.length >= 2 * this.k) this.compact()
  }

  get size(): number {
    return Math.min(this.hashes.length, this.k)
  }

  /** The sample as parallel arrays, ordered by (hash, value). */
  take(): { hashes: number[]; values: number[] } {
    this.compact()
    return { hashes: [...this.hashes], values: [...this.values] }
  }

  private compact(): void {
    if (this.sorted && this.hashes.length <= this.k) return
    const order = this.hashes.map((_, i) => i)
    order.sort((a, b) => this.hashes[a]! - this.hashes[b]! || this.values[a]! - this.values[b]!)
    order.length = Math.min(order.length, this.k)
    this.hashes = order.map((i) => this.hashes[i]!)
    this.values = order.map((i) => this.values[i]!)
    this.sorted = true
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
