import { createHash } from 'node:crypto'
import {
  type ClickHouse,
  CONSUMER_CHECKPOINTS,
  latestCheckpointQuery,
  rangeSampleQuery,
  runQuery,
  toClickHouseTime,
} from '@vigil/clickhouse'
import type { TopicPartition, Write } from '@vigil/kafka'
import { categoricalProfile, type FeatureProfile, numericalProfile } from '@vigil/stats'
import { LABEL, type Reference, SCORE } from './steps/reference.js'

export interface Checkpoint {
  nextOffset: bigint
  state: unknown
}

export async function loadCheckpoint(
  ch: ClickHouse,
  group: string,
  topic: string,
  partition: number,
): Promise<Checkpoint | undefined> {
  const [row] = await runQuery(ch, latestCheckpointQuery, { group, topic, partition })
  return row ? { nextOffset: row.next_offset, state: JSON.parse(row.state) } : undefined
}

/**
 * A partition's checkpoint as one insert. `seq` orders saves (the newest wins): it rises with
 * every plan in this process and across restarts (wall-clock based).
 */
export function checkpointWrite(group: string, tp: TopicPartition, cp: Checkpoint, seq: bigint): Write {
  return {
    table: CONSUMER_CHECKPOINTS,
    rows: [
      {
        consumer_group: group,
        topic: tp.topic,
        partition: tp.partition,
        next_offset: cp.nextOffset.toString(),
        seq: seq.toString(),
        state: JSON.stringify(cp.state),
      },
    ],
    dedupToken: `checkpoint-${group}-${tp.topic}-${tp.partition}-${seq}`,
  }
}

export function hash(text: string): string {
  return createHash('sha1').update(text).digest('hex').slice(0, 16)
}

/** Rows read from a model's own traffic for a range reference, at most (a deterministic sample). */
export const RANGE_REFERENCE_ROWS = 200_000

/**
 * A reference from the model's own traffic between `from` and `to` (epoch ms), read from the
 * raw predictions table; undefined when there is none. Over RANGE_REFERENCE_ROWS rows, a sample
 * chosen by a hash of the prediction id (the same rows every time).
 */
export async function rangeReference(
  ch: ClickHouse,
  modelId: string,
  from: number,
  to: number,
  sampleSize: number,
): Promise<Reference | undefined> {
  const rows = await runQuery(ch, rangeSampleQuery, {
    model: modelId,
    from: toClickHouseTime(from),
    to: toClickHouseTime(to),
    limit: RANGE_REFERENCE_ROWS,
  })
  if (rows.length === 0) return undefined
  const nums = new Map<string, number[]>()
  const cats = new Map<string, string[]>()
  const missing = new Map<string, number>()
  const push = <T>(m: Map<string, T[]>, k: string, v: T) => {
    const list = m.get(k)
    if (list) list.push(v)
    else m.set(k, [v])
  }
  for (const r of rows) {
    for (const [k, v] of Object.entries(r.num_features)) push(nums, k, Number(v))
    for (const [k, v] of Object.entries(r.cat_features)) push(cats, k, v)
    for (const k of r.missing_features) missing.set(k, (missing.get(k) ?? 0) + 1)
    const score = r.score ?? r.predicted_value
    if (score !== null) push(nums, SCORE, Number(score))
    if (r.predicted_label !== null) push(cats, LABEL, r.predicted_label)
  }
  const features: Record<string, FeatureProfile> = {}
  for (const [k, v] of nums) features[k] = numericalProfile(v, missing.get(k) ?? 0, sampleSize)
  for (const [k, v] of cats) if (!(k in features)) features[k] = categoricalProfile(v, missing.get(k) ?? 0)
  const iso = (ms: number) => new Date(ms).toISOString()
  return { name: `range:${iso(from)}/${iso(to)}`, kind: 'baseline', features }
}
