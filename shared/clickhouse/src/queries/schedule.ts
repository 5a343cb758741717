import { z } from 'zod'
import { defineQuery } from '../query.js'
import { column as c, defineTable } from '../table.js'

// When accuracy and fairness windows may be recomputed (schemas/clickhouse/010_create_window_schedule.sql).

export const WINDOW_SCHEDULE = defineTable(
  'window_schedule',
  z.object({
    consumer_group: c.string,
    topic: c.string,
    partition: c.uint32,
    model_id: c.string,
    model_version: c.string,
    window_start: c.time,
    window_end: c.time,
    due: c.time,
    status: z.enum(['waiting', 'done']),
    seq: c.uint64,
  }),
)

/** The windows of one input partition still waiting for their recomputation. */
export const waitingWindowsQuery = defineQuery({
  name: 'window_schedule.waiting',
  row: z.object({
    model_id: z.string(),
    model_version: z.string(),
    window_start: z.string(),
    window_end: z.string(),
    due: z.string(),
  }),
  decode: { times: ['window_start', 'window_end', 'due'] },
  build: (p: { group: string; topic: string; partition: number }) => ({
    sql: `SELECT model_id, model_version, window_start, window_end, due
            FROM {db:Identifier}.window_schedule FINAL
           WHERE consumer_group = {group:String} AND topic = {topic:String} AND partition = {partition:UInt32}
             AND status = 'waiting'
           ORDER BY due`,
    params: p,
  }),
})
