import { describe, expect, it } from 'vitest'
import { Overlay } from './overlay.js'

describe('Overlay', () => {
  it('reads changes over the base, leaves the base alone until applied', () => {
    const base = new Map([
      ['a', 1],
      ['b', 2],
    ])
    const o = new Overlay(base)
    o.set('b', 20).set('c', 30)
    expect(o.get('a')).toBe(1)
    expect(o.get('b')).toBe(20)
    expect(o.get('c')).toBe(30)
    expect(o.has('c')).toBe(true)
    expect(o.size).toBe(3)
    expect([...o]).toEqual([
      ['a', 1],
      ['b', 20],
      ['c', 30],
    ])
    expect([...base]).toEqual([
      ['a', 1],
      ['b', 2],
    ])
    o.apply()
    expect([...base]).toEqual([
      ['a', 1],
      ['b', 20],
      ['c', 30],
    ])
  })

  it('stacks while changes are pending, and collapses onto the map once they are applied', () => {
    const base = new Map([['a', 1]])
    const first = Overlay.over(base).set('a', 2)
    const second = Overlay.over(first).set('b', 3)
    expect([...second]).toEqual([
      ['a', 2],
      ['b', 3],
    ])
    first.apply()
    second.apply()
    expect([...base]).toEqual([
      ['a', 2],
      ['b', 3],
    ])
    const third = Overlay.over(second)
    third.set('a', 4).apply()
    expect(base.get('a')).toBe(4)
  })
})
