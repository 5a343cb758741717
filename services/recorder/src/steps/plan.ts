import type { TableDef } from '@vigil/clickhouse'
import type { Input, Plan, TopicPartition, Write } from '@vigil/kafka'
import type { Provenance } from './toRows.js'

/** A partition's progress: offsets at or below are durable in ClickHouse. */
export interface Recorded {
  storedThrough: bigint
}

/**
 * A batch's valid events as rows, in inserts of at most `chunkRows`, each named by its offset range
 * (`topic-partition-first-last`), so the same messages always give the same deduplication token.
 */
export function planRecord(
  state: Recorded,
  inputs: readonly Input<unknown>[],
  opts: {
    tp: TopicPartition
    lastOffset: bigint
    table: TableDef<object>
    toRow: (event: unknown, from: Provenance) => object
    chunkRows: number
  },
): Plan<Recorded> {
  const { tp, table } = opts
  const writes: Write[] = []
  for (let i = 0; i < inputs.length; i += opts.chunkRows) {
    const chunk = inputs.slice(i, i + opts.chunkRows)
    writes.push({
      table,
      rows: chunk.map((c) => opts.toRow(c.event, { ...tp, offset: c.message.offset })),
      dedupToken: `${tp.topic}-${tp.partition}-${chunk[0]!.offset}-${chunk.at(-1)!.offset}`,
    })
  }
  // biome-ignore lint/complexity/useMathMinMax: offsets are bigints, which Math.max does not take
  const storedThrough = opts.lastOffset > state.storedThrough ? opts.lastOffset : state.storedThrough
  return { next: { storedThrough }, writes }
}
