import { createHash } from 'node:crypto'
import { z } from 'zod'
import type { ClickHouse } from '../client.js'
import { fromClickHouseTime, insertRows, toClickHouseTime } from '../insert.js'
import { defineQuery, runQuery } from '../query.js'
import { column as c, defineTable } from '../table.js'

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

/** The silences table (created_at has a default). */
export const SILENCES = defineTable(
  'silences',
  z.object({
    id: c.string,
    rule: c.string,
    model_id: c.string,
    subject: c.string,
    starts_at: c.time,
    ends_at: c.time,
    comment: c.string,
    author: c.string,
  }),
)

const SilenceRow = SILENCES.row.extend({ created_at: c.time })
type SilenceRow = z.output<typeof SilenceRow>

const SILENCE_COLUMNS = `SELECT id, rule, model_id, subject, starts_at, ends_at, comment, author, created_at
  FROM {db:Identifier}.silences FINAL`

const silencesQuery = defineQuery({
  name: 'silences.list',
  row: SilenceRow,
  build: (activeAt: number | undefined) => ({
    sql: `${SILENCE_COLUMNS} ${activeAt === undefined ? '' : 'WHERE ends_at > {now:DateTime64(3)}'}
          ORDER BY created_at DESC, id`,
    params: activeAt === undefined ? {} : { now: toClickHouseTime(activeAt) },
  }),
})

const silenceQuery = defineQuery({
  name: 'silences.one',
  row: SilenceRow,
  build: (id: string) => ({ sql: `${SILENCE_COLUMNS} WHERE id = {id:String}`, params: { id } }),
})

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
  const rows = await runQuery(ch, silencesQuery, options.activeAt)
  return rows.map(fromRow)
}

export async function loadSilence(ch: ClickHouse, id: string): Promise<StoredSilence | undefined> {
  const [row] = await runQuery(ch, silenceQuery, id)
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
  await insertRows(ch, SILENCES, [
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
