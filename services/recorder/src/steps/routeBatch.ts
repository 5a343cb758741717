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

/** The rows of one insert, named by their offset range; undefined when there are none. */
export function toChunk<R>(
  rows: readonly RoutedRow<R>[],
  topic: string,
  partition: number,
): Chunk<R> | undefined {
  if (rows.length === 0) return undefined
  return {
    rows: rows.map((r) => r.row),
    dedupToken: `${topic}-${partition}-${rows[0]!.offset}-${rows.at(-1)!.offset}`,
  }
}
