/**
 * Changes to a map kept apart until they are durable: reads see the changes over the base, and
 * `apply()` writes them into the base; dropping the overlay forgets them. A batch evaluates on
 * an overlay, so a batch whose writes fail leaves the committed state as it was, and its retry
 * evaluates again from what is stored. Cost per batch grows with what the batch changes, not
 * with the number of alerts.
 */
export class Overlay<K, V> implements ReadonlyMap<K, V> {
  private readonly changes = new Map<K, V>()
  constructor(private readonly base: Map<K, V> | Overlay<K, V>) {}

  /**
   * An overlay for further changes on `m`: on the map beneath once `m`'s changes are applied, so
   * overlays do not pile up batch after batch; on `m` itself while its changes are pending (the
   * second half of a batch planned in two).
   */
  static over<K, V>(m: Map<K, V> | Overlay<K, V>): Overlay<K, V> {
    let base = m
    while (base instanceof Overlay && base.changes.size === 0) base = base.base
    return new Overlay(base)
  }

  /** The keys this overlay changed, with their new values. */
  changed(): ReadonlyMap<K, V> {
    return this.changes
  }

  get(key: K): V | undefined {
    return this.changes.has(key) ? this.changes.get(key) : this.base.get(key)
  }
  has(key: K): boolean {
    return this.changes.has(key) || this.base.has(key)
  }
  set(key: K, value: V): this {
    this.changes.set(key, value)
    return this
  }
  get size(): number {
    let n = this.base.size
    for (const k of this.changes.keys()) if (!this.base.has(k)) n++
    return n
  }
  *entries(): MapIterator<[K, V]> {
    for (const [k, v] of this.base) yield [k, this.changes.has(k) ? (this.changes.get(k) as V) : v]
    for (const [k, v] of this.changes) if (!this.base.has(k)) yield [k, v]
  }
  *keys(): MapIterator<K> {
    for (const [k] of this.entries()) yield k
  }
  *values(): MapIterator<V> {
    for (const [, v] of this.entries()) yield v
  }
  [Symbol.iterator](): MapIterator<[K, V]> {
    return this.entries()
  }
  forEach(fn: (value: V, key: K, map: ReadonlyMap<K, V>) => void): void {
    for (const [k, v] of this.entries()) fn(v, k, this)
  }
  /** Writes the changes into the map beneath (through any overlays between): call once they are durable. */
  apply(): void {
    for (const [k, v] of this.changes) this.base.set(k, v)
    this.changes.clear()
    if (this.base instanceof Overlay) this.base.apply()
  }
}
