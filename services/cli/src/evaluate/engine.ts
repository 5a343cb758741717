import { type ClickHouse, migrate } from '@vigil/clickhouse'
import type { ModelConfig } from '@vigil/config'
import { DEFAULT_MAX_EVENT_BYTES } from '@vigil/events'
import {
  type Evaluation,
  labelCoverage,
  type ModelWindow,
  performanceOf,
  windowKey,
  windowsGroupCounts,
  windowsPerformance,
} from '@vigil/outcomes'
import { fairnessFromCounts } from '@vigil/stats'
import { field, LINES, labelCheck, numberText, PREDICTION_PARTS, predictionCheck } from './checks.js'
import { evaluationNotes } from './notes.js'

// `vigil evaluate` on the embedded engine: it reads both files, checks every line, stores the
// chosen model's predictions and their first labels as the recorder and the joiner would (one
// window: every version, one instant), and the performance and fairness services' own queries
// sum them. The process receives a few rows per class and group, whatever the files hold.

/** The files, and how to choose the model among those the predictions hold. */
export interface EvaluateFiles {
  predictions: string
  labels: string
  /** Throws (a usage error) when the models do not say which one. */
  pick: (models: string[]) => string
  settings: (modelId: string) => ModelConfig
}

/**
 * The evaluation of one model over both files, or undefined when a line is one the engine does
 * not vouch for (an invalid event, or one it would read differently): the caller then reads the
 * files in the process, which names the line or evaluates them.
 */
export async function evaluateFiles(ch: ClickHouse, files: EvaluateFiles): Promise<Evaluation | undefined> {
  const q = query(ch)
  await q('CREATE DATABASE IF NOT EXISTS {db:Identifier}')
  if (!(await stage(q, 'eval_predictions', files.predictions, PREDICTION_READING))) return undefined
  if (!(await stage(q, 'eval_labels', files.labels, LABEL_READING))) return undefined
  await migrate(ch)
  const modelId = files.pick(
    (await q<{ m: string }>('SELECT DISTINCT model_id AS m FROM {db:Identifier}.eval_predictions')).map(
      (r) => r.m,
    ),
  )
  const model = files.settings(modelId)
  // One window holds the files: every version under one key, every event at one instant (recent,
  // so that no table's TTL drops it).
  const at = Date.now()
  const w: ModelWindow = { modelId, modelVersion: '', start: at, end: at + 1 }
  const params = { model: modelId, at: at / 1000 }
  await q(
    `INSERT INTO {db:Identifier}.predictions
       (model_id, model_version, prediction_id, event_time, num_features, cat_features, missing_features,
        predicted_label, score, probabilities, predicted_value, attributes, kafka_topic, kafka_partition, kafka_offset)
     SELECT model_id, '', prediction_id, toDateTime64({at:Float64}, 3, 'UTC'), map(), map(), [],
            predicted_label, score, probabilities, predicted_value, attributes, '', 0, n
       FROM {db:Identifier}.eval_predictions WHERE model_id = {model:String}
      ORDER BY n LIMIT 1 BY prediction_id`,
    params,
  )
  await q(
    `INSERT INTO {db:Identifier}.outcomes
       (model_id, model_version, prediction_id, prediction_time, label_time, label, label_value,
        predicted_label, score, probabilities, predicted_value, attributes, label_partition, label_offset)
     SELECT p.model_id, '', p.prediction_id, p.event_time, p.event_time, l.label, l.label_value,
            p.predicted_label, p.score, p.probabilities, p.predicted_value, p.attributes, 0, l.n
       FROM (SELECT prediction_id, label, label_value, n FROM {db:Identifier}.eval_labels
              WHERE model_id = {model:String} ORDER BY n LIMIT 1 BY prediction_id) AS l
      INNER JOIN {db:Identifier}.predictions AS p ON p.prediction_id = l.prediction_id`,
    params,
  )
  const [counts] = await q<Counts>(
    `SELECT (SELECT count() FROM {db:Identifier}.predictions) AS predictions,
            (SELECT count() FROM {db:Identifier}.eval_predictions WHERE model_id = {model:String}) AS lines,
            (SELECT count() FROM {db:Identifier}.outcomes) AS labelled,
            (SELECT groupUniqArray(model_version) FROM {db:Identifier}.eval_predictions
              WHERE model_id = {model:String}) AS versions,
            (SELECT tuple(sumIf(c, NOT matched), sumIf(c - 1, matched))
               FROM (SELECT prediction_id, count() AS c FROM {db:Identifier}.eval_labels
                      WHERE model_id = {model:String} GROUP BY prediction_id) AS l
               LEFT JOIN (SELECT prediction_id, true AS matched FROM {db:Identifier}.predictions) AS p
                 ON p.prediction_id = l.prediction_id) AS labels`,
    params,
  )
  const c = counts!
  const performance =
    (await windowsPerformance(ch, [w], () => model)).get(windowKey(w))?.performance ??
    performanceOf([], model)
  const notes = [...performance.notes]
  let fairness: Evaluation['fairness'] = {}
  const positive = performance.positive_class
  if (positive !== undefined) {
    const attributes =
      Object.keys(model.sensitive_attributes).length > 0
        ? model.sensitive_attributes
        : await mostFrequentGroups(q, notes)
    const reading = await windowsGroupCounts(ch, [w], () => ({
      ...model,
      positive_class: positive,
      sensitive_attributes: attributes,
    }))
    const groups = reading.get(windowKey(w))
    fairness = Object.fromEntries(
      Object.entries(attributes).map(([a, { reference_group }]) => [
        a,
        fairnessFromCounts(groups?.get(a)?.counts ?? new Map(), reference_group),
      ]),
    )
  }
  const predictions = Number(c.predictions)
  const labelled = Number(c.labelled)
  const [unmatched, duplicates] = c.labels.map(Number) as [number, number]
  notes.push(
    ...evaluationNotes(files.predictions, {
      unmatchedLabels: unmatched,
      duplicateLabels: duplicates,
      repeatedPredictions: Number(c.lines) - predictions,
    }),
  )
  return {
    model_id: modelId,
    model_versions: [...c.versions].sort(),
    task: performance.task,
    ...(positive !== undefined ? { positive_class: positive } : {}),
    n_predictions: predictions,
    n_labelled: labelled,
    label_coverage: labelCoverage(predictions, labelled),
    performance: performance.performance,
    fairness,
    notes,
  }
}

interface Counts {
  predictions: string | number
  lines: string | number
  labelled: string | number
  versions: string[]
  labels: [string | number, string | number]
}

type ClickHouseSettings = NonNullable<Parameters<ClickHouse['client']['command']>[0]['clickhouse_settings']>

type Query = <T>(sql: string, params?: Record<string, unknown>, settings?: ClickHouseSettings) => Promise<T[]>

function query(ch: ClickHouse): Query {
  return async <T>(sql: string, params: Record<string, unknown> = {}, settings: ClickHouseSettings = {}) => {
    const query_params = { db: ch.database, ...params }
    // Statements are run as commands; only a SELECT returns rows.
    if (!/^\s*SELECT/i.test(sql)) {
      await ch.client.command({
        query: sql,
        query_params,
        // Two lines alike are two events: no block of them is dropped as a repeat.
        clickhouse_settings: { insert_deduplicate: 0, ...settings },
      })
      return []
    }
    const rs = await ch.client.query({ query: sql, query_params, format: 'JSONEachRow' })
    return (await rs.json()) as T[]
  }
}

const PREDICTION_COLUMNS = `JSONExtractString(${field('model_id')}) AS model_id,
  JSONExtractString(${field('model_version')}) AS model_version,
  JSONExtractString(${field('prediction_id')}) AS prediction_id,
  if(mapContains(prediction_raw, 'label'), JSONExtractString(prediction_raw['label']), NULL) AS predicted_label,
  if(mapContains(prediction_raw, 'score'), JSONExtractFloat(prediction_raw['score']), NULL) AS score,
  mapFromArrays(arrayMap(kv -> kv.1, probabilities_kv), arrayMap(kv -> JSONExtractFloat(kv.2), probabilities_kv)) AS probabilities,
  if(mapContains(prediction_raw, 'value'), JSONExtractFloat(prediction_raw['value']), NULL) AS predicted_value,
  arrayFilter(kv -> kv.2 != 'null', attributes_kv) AS stated,
  mapFromArrays(arrayMap(kv -> kv.1, stated), arrayMap(kv ->
      multiIf(startsWith(kv.2, '"'), JSONExtractString(kv.2), kv.2 IN ('true', 'false'), kv.2,
              ifNull(${numberText('kv.2')}, '')), stated)) AS attributes`

const LABEL_COLUMNS = `JSONExtractString(${field('model_id')}) AS model_id,
  JSONExtractString(${field('prediction_id')}) AS prediction_id,
  if(startsWith(${field('label')}, '"'), JSONExtractString(${field('label')}),
     ifNull(${numberText(field('label'))}, '')) AS label,
  if(startsWith(${field('label')}, '"'), NULL, JSONExtractFloat(${field('label')})) AS label_value`

/** How a kind of event is read: the pairs its check parses once per line, the check, the columns kept. */
interface EventReading {
  parts?: string
  check: (maxBytes: number) => string
  columns: string
}

const PREDICTION_READING: EventReading = {
  parts: PREDICTION_PARTS,
  check: predictionCheck,
  columns: PREDICTION_COLUMNS,
}
const LABEL_READING: EventReading = { check: labelCheck, columns: LABEL_COLUMNS }

/**
 * Reads a file into a table of its own: per line its order, whether the engine vouches for it,
 * and the columns. False when a line is refused, or the file has no events.
 */
async function stage(q: Query, table: string, file: string, r: EventReading): Promise<boolean> {
  await q(
    `CREATE TABLE {db:Identifier}.{table:Identifier} ENGINE = Memory AS
     SELECT n, ${r.check(DEFAULT_MAX_EVENT_BYTES)} AS ok, ${r.columns}
       FROM (SELECT *${r.parts ? `, ${r.parts}` : ''} FROM ${LINES})`,
    { table, path: file },
    // The checks never throw, so every one can run on every line: evaluated lazily, each AND
    // copied the lines' parsed fields for the next (72 s instead of 6 s for 1 M predictions).
    { short_circuit_function_evaluation: 'disable' },
  )
  const [c] = await q<{ lines: string; refused: string }>(
    'SELECT count() AS lines, countIf(NOT ok) AS refused FROM {db:Identifier}.{table:Identifier}',
    { table },
  )
  return Number(c!.lines) > 0 && Number(c!.refused) === 0
}

/**
 * Without configured sensitive attributes: every attribute the predictions carry, in the order
 * they first appear, against its most frequent group (ties by name), as the process picks them.
 */
async function mostFrequentGroups(
  q: Query,
  notes: string[],
): Promise<Record<string, { reference_group: string }>> {
  // `first`: the line of the first prediction with the attribute; `at`: its place among that one's attributes.
  const rows = await q<{ attribute: string; g: string; c: string; first: string; at: string }>(
    `SELECT attribute, attributes[attribute] AS g, count() AS c, min(kafka_offset) AS first,
            argMin(indexOf(mapKeys(attributes), attribute), kafka_offset) AS at
       FROM {db:Identifier}.predictions ARRAY JOIN mapKeys(attributes) AS attribute
      GROUP BY attribute, g`,
  )
  const byAttribute = new Map<string, { first: number; at: number; groups: [string, number][] }>()
  for (const r of rows) {
    const a = byAttribute.get(r.attribute) ?? { first: Infinity, at: Infinity, groups: [] }
    a.groups.push([r.g, Number(r.c)])
    if (Number(r.first) < a.first || (Number(r.first) === a.first && Number(r.at) < a.at)) {
      a.first = Number(r.first)
      a.at = Number(r.at)
    }
    byAttribute.set(r.attribute, a)
  }
  const ordered = [...byAttribute].sort((x, y) => x[1].first - y[1].first || x[1].at - y[1].at)
  const out: Record<string, { reference_group: string }> = {}
  for (const [attribute, { groups }] of ordered) {
    const [top] = groups.sort((x, y) => y[1] - x[1] || x[0].localeCompare(y[0]))[0]!
    out[attribute] = { reference_group: top }
    notes.push(
      `${attribute}: no reference group configured; the most frequent group, ${top}, is the reference`,
    )
  }
  return out
}
