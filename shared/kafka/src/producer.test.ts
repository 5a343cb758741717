import { describe, expect, it } from 'vitest'
import { chunkBySize } from './producer.js'

describe('chunkBySize', () => {
  it('keeps order, splits before a request would pass the limit, sends an oversized message alone', () => {
    const m = (n: number, i: number) => ({ key: 'k', value: 'x'.repeat(n), headers: { i: String(i) } })
    const chunks = chunkBySize([m(300, 0), m(300, 1), m(300, 2), m(2000, 3), m(10, 4)], 1000)
    expect(chunks.map((c) => c.map((x) => x.headers!.i))).toEqual([['0', '1'], ['2'], ['3'], ['4']])
    expect(chunkBySize([])).toEqual([])
  })
})
