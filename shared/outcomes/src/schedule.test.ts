import { describe, expect, it } from 'vitest'
import { oneInsertPerTable } from './schedule.js'

const write = (table: string, window: string, version: number) => ({
  table: { name: table },
  rows: [
    { window, version, metric: 'a' },
    { window, version, metric: 'b' },
  ],
  dedupToken: `${table}-${window}-${version}`,
})

describe('oneInsertPerTable', () => {
  it('puts the windows of a table in one insert whose token follows the windows and their versions', () => {
    const writes = [write('perf', 'w1', 3), write('fair', 'w1', 3), write('perf', 'w2', 5)]
    const merged = oneInsertPerTable(writes)
    expect(merged.map((w) => [w.table.name, w.rows.length])).toEqual([
      ['perf', 4],
      ['fair', 2],
    ])
    expect(merged[0]!.rows).toEqual([...writes[0]!.rows, ...writes[2]!.rows])
    // A replay of the same windows at the same versions: the same token, so the block is dropped.
    expect(oneInsertPerTable(writes)[0]!.dedupToken).toBe(merged[0]!.dedupToken)
    // One window at another version: another block.
    const later = oneInsertPerTable([write('perf', 'w1', 3), write('perf', 'w2', 6)])
    expect(later[0]!.dedupToken).not.toBe(merged[0]!.dedupToken)
    // A single window keeps its own write.
    expect(oneInsertPerTable([writes[1]!])).toEqual([writes[1]])
  })
})
