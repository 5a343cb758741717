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
})
