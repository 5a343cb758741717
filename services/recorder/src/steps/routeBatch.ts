import type { EventParser, InvalidCode } from '@vigil/events'
import type { KafkaMessage } from '@vigil/kafka'
import type { Provenance } from './toRows.js'

export interface RoutedRow<R> {
  row: R
  offset: string
}

export interface Rejected {
  message: KafkaMessage
  reason: string
  code: InvalidCode
}

export interface RoutedBatch<R> {
  rows: RoutedRow<R>[]
  rejected: Rejected[]
  /** Messages at or below the stored high-water mark: already durable, skipped. */
  skipped: number
}

/**
 * Splits a partition batch into rows to insert and messages for the DLQ; messages whose
 * offset is at or below `storedThrough` were stored before a restart and are skipped.
 */
export function routeBatch<E, R>(
  messages: readonly KafkaMessage[],
  options: {
    topic: string
    partition: number
    storedThrough: bigint
    parser: EventParser<E>
    toRow: (event: E, from: Provenance) => R
  },
): RoutedBatch<R> {
  const out: RoutedBatch<R> = { rows: [], rejected: [], skipped: 0 }
  for (const message of messages) {
    if (BigInt(message.offset) <= options.storedThrough) {
      out.skipped++
      continue
    }
    const parsed = options.parser.parse(message.value ?? Buffer.alloc(0))
    if (parsed.ok) {
      const from = { topic: options.topic, partition: options.partition, offset: message.offset }
      out.rows.push({ row: options.toRow(parsed.value, from), offset: message.offset })
    } else {
      out.rejected.push({ message, reason: parsed.reason, code: parsed.code })
    }
  }
  return out
}

export interface Chunk<R> {
  rows: R[]
  /** `topic-partition-firstOffset-lastOffset`: the same messages always give the same token. */
  dedupToken: string
}

/** Cuts rows into inserts of at most `maxRows`, each named by its offset range. */
export function chunkRows<R>(
  rows: readonly RoutedRow<R>[],
  maxRows: number,
  topic: string,
  partition: number,
): Chunk<R>[] {
  const chunks: Chunk<R>[] = []
  for (let i = 0; i < rows.length; i += maxRows) {
    const slice = rows.slice(i, i + maxRows)
    chunks.push({
      rows: slice.map((r) => r.row),
      dedupToken: `${topic}-${partition}-${slice[0]!.offset}-${slice.at(-1)!.offset}`,
    })
  }
  return chunks
}
