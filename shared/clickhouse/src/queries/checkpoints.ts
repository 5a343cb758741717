import { z } from 'zod'
import { defineQuery } from '../query.js'
import { column as c, defineTable } from '../table.js'

/** A consumer's per-partition checkpoint: the next offset and its state (saved_at has a default). */
export const CONSUMER_CHECKPOINTS = defineTable(
  'consumer_checkpoints',
  z.object({
    consumer_group: c.string,
    topic: c.string,
    partition: c.uint32,
    next_offset: c.uint64,
    /** Orders saves; the newest wins. */
    seq: c.uint64,
    state: c.string,
  }),
)

/** The newest checkpoint of one partition. */
export const latestCheckpointQuery = defineQuery({
  name: 'checkpoints.latest',
  row: z.object({
    next_offset: z.union([z.string(), z.number()]).transform((v) => BigInt(v)),
    state: z.string(),
  }),
  build: (p: { group: string; topic: string; partition: number }) => ({
    sql: `SELECT next_offset, state FROM {db:Identifier}.consumer_checkpoints
          WHERE consumer_group = {group:String} AND topic = {topic:String} AND partition = {partition:UInt32}
          ORDER BY seq DESC LIMIT 1`,
    params: p,
  }),
})
