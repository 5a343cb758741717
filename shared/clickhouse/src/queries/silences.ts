import { createHash } from 'node:crypto'
import type { ClickHouse } from '../client.js'
import { fromClickHouseTime, insertRows, queryRows, toClickHouseTime } from '../insert.js'

/**
 * Silences (schemas/clickhouse/003_create_alert_tables.sql): the rules service reads them, the API
 * and `vigil silence` write them. `*` matches every rule, model or subject.
 */
export interface Silence {
  id: string
  rule: string
  modelId: string
  subject: string
  startsAt: number
  endsAt: number
}

export interface NewSilence {
  rule: string
  modelId: string
  subject: string
  startsAt: number
  endsAt: number
  comment: string
  author: string
}

export type StoredSilence = NewSilence & { id: string; createdAt: number }

interface SilenceRow {
  id: string
  rule: string
  model_id: string
  subject: string
  starts_at: string
  ends_at: string
  comment: string
  author: string
  created_at: string
}

const fromRow = (r: SilenceRow): StoredSilence => ({
  id: r.id,
  rule: r.rule,
  modelId: r.model_id,
  subject: r.subject,
  startsAt: fromClickHouseTime(r.starts_at),
  endsAt: fromClickHouseTime(r.ends_at),
  comment: r.comment,
  author: r.author,
  createdAt: fromClickHouseTime(r.created_at),
})

/** Silences that have not ended at `now` (some may start later), newest first. */
export async function loadSilences(ch: ClickHouse, now: number): Promise<StoredSilence[]> {
  return listSilences(ch, { activeAt: now })
}

/** Every silence, or those not ended at `activeAt`; newest first. */
export async function listSilences(
  ch: ClickHouse,
  options: { activeAt?: number } = {},
): Promise<StoredSilence[]> {
  const rows = await queryRows<SilenceRow>(
    ch,
    `SELECT id, rule, model_id, subject, starts_at, ends_at, comment, author, created_at
     FROM {db:Identifier}.silences FINAL
     ${options.activeAt === undefined ? '' : 'WHERE ends_at > {now:DateTime64(3)}'}
     ORDER BY created_at DESC, id`,
    options.activeAt === undefined ? {} : { now: toClickHouseTime(options.activeAt) },
  )
  return rows.map(fromRow)
}

export async function loadSilence(ch: ClickHouse, id: string): Promise<StoredSilence | undefined> {
  const [row] = await queryRows<SilenceRow>(
    ch,
    `SELECT id, rule, model_id, subject, starts_at, ends_at, comment, author, created_at
     FROM {db:Identifier}.silences FINAL WHERE id = {id:String}`,
    { id },
  )
  return row ? fromRow(row) : undefined
}

/**
 * Stores a silence (or, with an existing id, changes it, e.g. to expire it now). The id is a
 * digest of what the silence says, so the same request sent twice stores one silence.
 */
export async function saveSilence(ch: ClickHouse, s: NewSilence & { id?: string }): Promise<string> {
  const id =
    s.id ??
    createHash('sha1')
      .update([s.rule, s.modelId, s.subject, String(s.startsAt), String(s.endsAt), s.author].join('\u0000'))
      .digest('hex')
      .slice(0, 12)
  await insertRows(ch, 'silences', [
    {
      id,
      rule: s.rule,
      model_id: s.modelId,
      subject: s.subject,
      starts_at: toClickHouseTime(s.startsAt),
      ends_at: toClickHouseTime(s.endsAt),
      comment: s.comment,
      author: s.author,
    },
  ])
  return id
}
