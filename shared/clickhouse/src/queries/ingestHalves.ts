import { z } from 'zod'
import { defineQuery } from '../query.js'
import { column as c, defineTable } from '../table.js'

// Serving requests and responses waiting for their other half (schemas/clickhouse/011_create_ingest_halves.sql).

export const INGEST_HALVES = defineTable(
  'ingest_halves',
  z.object({
    source_partition: c.uint32,
    model_id: c.string,
    pair_id: c.string,
    half: z.enum(['request', 'response']),
    source_offset: c.uint64,
    event: c.string,
    arrived_at: c.time,
    status: z.enum(['waiting', 'paired', 'orphaned']),
    /** 0 waiting, 1 a final state, which replaces it. */
    seq: z.number().int().min(0).max(1),
  }),
)

const stored = z.object({
  model_id: z.string(),
  pair_id: z.string(),
  half: z.enum(['request', 'response']),
  status: z.enum(['waiting', 'paired', 'orphaned']),
  source_offset: z.string(),
  event: z.string(),
  arrived_at: z.string(),
})
export type StoredHalf = z.output<typeof stored>

/** What a partition holds of these pairs (by model and pair id; the caller keeps its own pairs). */
export const halvesOfPairsQuery = defineQuery({
  name: 'ingest_halves.of_pairs',
  row: stored,
  decode: { times: ['arrived_at'] },
  build: (p: { partition: number; models: string[]; ids: string[] }) => ({
    sql: `SELECT model_id, pair_id, half, status, toString(source_offset) AS source_offset, event, arrived_at
            FROM {db:Identifier}.ingest_halves FINAL
           WHERE source_partition = {partition:UInt32} AND model_id IN {models:Array(String)}
             AND pair_id IN {ids:Array(String)}`,
    params: p,
  }),
})

/** A partition's halves still waiting that arrived at or before `before`, the oldest first, at most `limit`. */
export const orphanedHalvesQuery = defineQuery({
  name: 'ingest_halves.orphaned',
  row: stored,
  decode: { times: ['arrived_at'] },
  build: (p: { partition: number; before: string; limit: number }) => ({
    sql: `SELECT model_id, pair_id, half, status, toString(source_offset) AS source_offset, event, arrived_at
            FROM {db:Identifier}.ingest_halves FINAL
           WHERE source_partition = {partition:UInt32} AND status = 'waiting' AND arrived_at <= {before:DateTime64(3)}
           ORDER BY arrived_at
           LIMIT {limit:UInt32}`,
    params: p,
  }),
})
