import { z } from 'zod'
import type { ClickHouse } from '../client.js'
import { defineQuery, runQuery } from '../query.js'

// Models as their recorded traffic shows them: a read over the raw tables (predictions, labels).

/** A model with recorded traffic: versions, event counts and the event-time range. */
export const ModelSeenRow = z.object({
  model_id: z.string(),
  versions: z.array(z.string()),
  predictions: z.number().int().nonnegative(),
  labels: z.number().int().nonnegative(),
  first_event: z.string().nullable().describe('ISO 8601, UTC'),
  last_event: z.string().nullable().describe('ISO 8601, UTC'),
})
export type ModelSeen = z.output<typeof ModelSeenRow>

const modelsQuery = defineQuery({
  name: 'models.seen',
  row: ModelSeenRow,
  decode: { times: ['first_event', 'last_event'], counts: ['predictions', 'labels'] },
  build(model: string | undefined) {
    return {
      sql: `SELECT p.model_id AS model_id, p.versions AS versions, p.n AS predictions, ifNull(l.n, 0) AS labels,
                   p.first_event AS first_event, p.last_event AS last_event
            FROM (SELECT model_id, arraySort(groupUniqArray(model_version)) AS versions, count() AS n,
                         min(event_time) AS first_event, max(event_time) AS last_event
                  FROM {db:Identifier}.predictions ${model === undefined ? '' : 'WHERE model_id = {model:String}'}
                  GROUP BY model_id) AS p
            LEFT JOIN (SELECT model_id, count() AS n FROM {db:Identifier}.labels GROUP BY model_id) AS l
              ON l.model_id = p.model_id
            ORDER BY model_id`,
      params: model === undefined ? {} : { model },
    }
  },
})

/** Models with recorded traffic, or the one named. */
export function queryModels(ch: ClickHouse, model?: string): Promise<ModelSeen[]> {
  return runQuery(ch, modelsQuery, model)
}
