import type { Input, OutMessage, Plan, Write } from '@vigil/kafka'
import { toDlqMessage } from '@vigil/kafka'
import type { KafkaMessage } from 'kafkajs'
import { outcomesWrite, type PendingStatus, pendingWrite } from '../store.js'
import {
  type IncomingLabel,
  type JoinedFrom,
  type JoinPlan,
  nextAttempt,
  planJoin,
  type StoredPrediction,
} from './join.js'

/** What ClickHouse (or the recent index) holds for a set of labels. */
export interface LabelLookup {
  predictions: ReadonlyMap<string, StoredPrediction>
  joined: ReadonlyMap<string, JoinedFrom>
}

export interface JoinTopics {
  labels: string
  outcomes: string
  dlq: string
}

/** A label message of a batch, as the joiner keeps it (also in `pending_labels`). */
export function incoming(input: Input<IncomingLabel['event']>): IncomingLabel {
  return {
    event: input.event,
    partition: input.partition,
    offset: input.message.offset,
    arrivedAt: input.timestamp,
    raw: (input.message.value ?? Buffer.alloc(0)).toString('utf8'),
    attempts: 0,
  }
}

/**
 * The writes of a join, in order: outcome rows, expired labels to the DLQ, outcomes on their
 * topic, and last the labels' states in `pending_labels`. A label that waits is written as
 * waiting with one more attempt and when the next is due (`nextAttempt`); `retried` labels are
 * already there as waiting, so those that ended get their final state.
 */
export function planLabels(
  labels: readonly IncomingLabel[],
  lookup: LabelLookup,
  opts: { now: number; horizonMs: number; retryIntervalMs: number; retried: boolean; topics: JoinTopics },
): Plan<undefined> & { join: JoinPlan } {
  const { now, retried, topics } = opts
  const join = planJoin(labels, lookup.predictions, lookup.joined, now, opts.horizonMs)
  const pending: { label: IncomingLabel; status: PendingStatus; nextAttempt?: number }[] = [
    ...join.waiting.map((l) => {
      const label = { ...l, attempts: l.attempts + 1 }
      return {
        label,
        status: 'waiting' as const,
        nextAttempt: nextAttempt(now, label.attempts, opts.retryIntervalMs, l.arrivedAt + opts.horizonMs),
      }
    }),
    ...join.expired.map(({ label }) => ({ label, status: 'expired' as const })),
    ...(retried
      ? [
          ...join.outcomes.map(({ label }) => ({ label, status: 'joined' as const })),
          ...join.duplicates.map((label) => ({ label, status: 'duplicate' as const })),
        ]
      : []),
  ]
  const source = (partition: number) => ({ topic: topics.labels, partition, service: 'joiner', step: 'join' })
  const dlq: OutMessage[] = join.expired.map(({ label, reason }) =>
    toDlqMessage(asMessage(label), source(label.partition), reason, new Date(now)),
  )
  const writes: Write[] = []
  if (join.outcomes.length > 0) writes.push(outcomesWrite(join.outcomes))
  if (dlq.length > 0) writes.push({ topic: topics.dlq, messages: dlq })
  if (join.outcomes.length > 0)
    writes.push({
      topic: topics.outcomes,
      messages: join.outcomes.map(({ outcome }) => ({
        key: outcome.model_id,
        value: JSON.stringify(outcome),
      })),
    })
  if (pending.length > 0) writes.push(pendingWrite(pending))
  return { next: undefined, writes, join }
}

/** A waiting label's original message, rebuilt for the DLQ (key, value, offset, timestamp). */
function asMessage(l: IncomingLabel): KafkaMessage {
  return {
    key: Buffer.from(l.event.model_id),
    value: Buffer.from(l.raw),
    offset: l.offset,
    timestamp: String(l.arrivedAt),
    headers: {},
    attributes: 0,
  }
}
