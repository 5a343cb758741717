/**
 * A uniform sample of at most `capacity` values from a stream (Vitter's algorithm R), with its
 * own seeded generator, so the same values in the same order give the same sample, also after a
 * snapshot and restore. Memory is bounded by the capacity.
 */
export class Reservoir {
  private seen = 0
  private state: number
  readonly values: number[] = []

  constructor(
    readonly capacity: number,
    seed: number,
  ) {
    this.state = seed >>> 0
  }

  add(value: number): void {
    this.seen++
    if (this.values.length < this.capacity) {
      this.values.push(value)
      return
    }
    const j = Math.floor(this.next() * this.seen)
    if (j < this.capacity) this.values[j] = value
  }

  /** How many values were offered (the sample holds min(count, capacity)). */
  count(): number {
    return this.seen
  }

  /** mulberry32 on [0, 1). */
  private next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0
    let t = this.state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }

  clone(): Reservoir {
    return Reservoir.fromJSON(this.toJSON())
  }

  toJSON(): { capacity: number; seen: number; state: number; values: number[] } {
    return { capacity: this.capacity, seen: this.seen, state: this.state, values: [...this.values] }
  }

  static fromJSON(json: { capacity: number; seen: number; state: number; values: number[] }): Reservoir {
    const r = new Reservoir(json.capacity, 0)
    r.seen = json.seen
    r.state = json.state
    r.values.push(...json.values)
    return r
  }
}

/** A stable 32-bit seed from text (FNV-1a), e.g. from a model, window and feature. */
export function seedOf(text: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}
