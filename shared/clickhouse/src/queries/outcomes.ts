import { z } from 'zod'
import { defineQuery } from '../query.js'
import { column as c, defineTable } from '../table.js'
import type { GroupWindowsParams } from './rawEvents.js'
import { PREDICTED, type WindowsParams, windowedRows } from './windowed.js'

// The outcome tables (schemas/clickhouse/004_create_outcome_tables.sql): predictions joined with
// their labels, and labels waiting for their prediction.

/** One joined prediction; `label_partition`/`label_offset` name the label message (joined_at has a default). */
export const OUTCOMES = defineTable(
  'outcomes',
  z.object({
    model_id: c.string,
    model_version: c.string,
    prediction_id: c.string,
    prediction_time: c.time,
    label_time: c.time,
    label: c.string,
    label_value: c.nullableFloat,
    predicted_label: c.nullableString,
    score: c.nullableFloat,
    probabilities: c.numberMap,
    predicted_value: c.nullableFloat,
    attributes: c.stringMap,
    label_partition: c.uint32,
    label_offset: c.uint64,
  }),
)

/** A label's state: waiting (seq 0), then how it ended (seq 1). */
export const PENDING_LABELS = defineTable(
  'pending_labels',
  z.object({
    model_id: c.string,
    prediction_id: c.string,
    label_partition: c.uint32,
    label_offset: c.uint64,
    /** The label message as it arrived, to join it later. */
    label_event: c.string,
    arrived_at: c.time,
    status: z.enum(['waiting', 'joined', 'expired', 'duplicate']),
    /** Waiting: the attempts so far (at most 254); a final state: 255, which outranks them. */
    seq: z.number().int().min(0).max(255),
    attempts: z.number().int().min(0).max(65_535),
    next_attempt: c.time,
  }),
)

const count = z.union([z.number(), z.string()]).transform(Number)

// Windows' accuracy is summed by the engine (shared/outcomes/src/aggregates.ts says what each sum
// is for), all the windows of a batch in one query per step: the process gets a few numbers per
// window, never its outcomes, and a batch costs three queries however many windows it touches.

/** The outcomes of the windows asked for, each prediction once, with their window's key. */
const WINDOWED = windowedRows({
  table: 'outcomes',
  time: 'prediction_time',
  columns: 'label, label_value, predicted_label, score, probabilities, predicted_value',
  final: true,
})

const sumOrZero = z
  .number()
  .nullable()
  .transform((v) => v ?? 0)

/** Step 1, per window: what decides the task, and the regression sums (rows with a numeric label and a predicted value or score). */
export const outcomeSummaryQuery = defineQuery({
  name: 'outcomes.summary',
  row: z.object({
    window: z.string(),
    n: count,
    numeric_labels: count,
    with_values: count,
    regression_n: count,
    abs_error: sumOrZero,
    squared_error: sumOrZero,
    relative_error: sumOrZero,
    total_squares: sumOrZero,
  }),
  build: (p: WindowsParams & { eps: number }) => ({
    sql: `SELECT window, count() AS n, countIf(label_value IS NOT NULL) AS numeric_labels,
                 countIf(predicted_value IS NOT NULL) AS with_values, countIf(e IS NOT NULL) AS regression_n,
                 sum(abs(e)) AS abs_error, sum(e * e) AS squared_error,
                 sum(abs(e) / greatest(abs(label_value), {eps:Float64})) AS relative_error,
                 if(regression_n = 0, 0, varPopStableIf(label_value, e IS NOT NULL) * regression_n) AS total_squares
            FROM (SELECT window, label_value, predicted_value, label_value - coalesce(predicted_value, score) AS e
                    FROM ${WINDOWED})
           GROUP BY window`,
    params: p,
  }),
})

/** Step 2 (classification windows): outcomes per window, true class, label kind and predicted class (null: none). */
export const outcomeConfusionQuery = defineQuery({
  name: 'outcomes.confusion',
  row: z.object({
    window: z.string(),
    actual: z.string(),
    numeric: z.boolean(),
    predicted: z.string().nullable(),
    n: count,
  }),
  decode: { booleans: ['numeric'] },
  build: (p: WindowsParams) => ({
    sql: `SELECT window, label AS actual, label_value IS NOT NULL AS numeric, ${PREDICTED} AS predicted, count() AS n
            FROM ${WINDOWED}
           GROUP BY window, actual, numeric, predicted
           ORDER BY window, actual, numeric, predicted`,
    params: p,
  }),
})

/**
 * Step 3 (classification windows): over the rows that carry probabilities (or, binary, a bare
 * score as P(positive)), per window and class l: positives and negatives by P(l) and the
 * Mann–Whitney U (a tie counts half: the negatives below a score plus half those at it), and the
 * sums of log loss (each row once, on its true class; probabilities clipped to [ε, 1−ε] and
 * normalised over the window's `labels`) and of Brier ((p_l − y_l)², every class, or the
 * positive one's alone). Every per-window setting is a map by window key.
 */
export const outcomeScoredQuery = defineQuery({
  name: 'outcomes.scored',
  row: z.object({
    window: z.string(),
    l: z.string(),
    positives: count,
    negatives: count,
    u: z.number(),
    log_loss_sum: z.number(),
    brier_sum: z.number(),
  }),
  build: (
    p: WindowsParams & {
      /** The window's classes (log loss normalises over them). */
      labels: Record<string, string[]>
      /** Those, and the positive class if it is none of them. */
      scored: Record<string, string[]>
      positive: Record<string, string>
      /** Windows whose bare score is P(positive), and the other class. */
      negative: Record<string, string>
      /** Multiclass windows: Brier sums over every class. */
      brierAll: string[]
      eps: number
    },
  ) => ({
    sql: `SELECT window, l, sum(pos) AS positives, sum(neg) AS negatives, sum(pos * (below + neg / 2)) AS u,
                 sum(ll) AS log_loss_sum, sum(br) AS brier_sum
            FROM (SELECT window, l, pos, neg, ll, br,
                         sum(neg) OVER (PARTITION BY window, l ORDER BY s) - neg AS below
                    FROM (SELECT window, l, s, countIf(actual = l) AS pos, countIf(actual != l) AS neg,
                                 sumIf(row_log_loss, actual = l) AS ll,
                                 sumIf(pow(s - (actual = l), 2), window IN {brierAll:Array(String)} OR l = positive) AS br
                            FROM (SELECT window, actual, positive, scored, p,
                                         -log(clipped[indexOf(labels, actual)] / arraySum(clipped)) AS row_log_loss
                                    FROM (SELECT window, label AS actual,
                                                 {labels:Map(String, Array(String))}[window] AS labels,
                                                 {scored:Map(String, Array(String))}[window] AS scored,
                                                 {positive:Map(String, String)}[window] AS positive,
                                                 {negative:Map(String, String)}[window] AS negative,
                                                 arrayMap(c -> if(empty(probabilities),
                                                                  multiIf(c = positive, ifNull(score, 0),
                                                                          c = negative, 1 - ifNull(score, 0), 0),
                                                                  probabilities[c]), scored) AS p,
                                                 arrayMap(c -> least(1 - {eps:Float64}, greatest({eps:Float64}, p[indexOf(scored, c)])),
                                                          labels) AS clipped
                                            FROM ${WINDOWED}
                                             AND (predicted_label IS NOT NULL OR notEmpty(probabilities))
                                             AND (notEmpty(probabilities) OR (score IS NOT NULL AND mapContains({negative:Map(String, String)}, window)))))
                            ARRAY JOIN scored AS l, p AS s
                           GROUP BY window, l, s))
           GROUP BY window, l`,
    params: p,
  }),
})

/** Per window, attribute and group: confusion counts against the model's positive class, over the outcomes with a predicted class. */
export const groupConfusionQuery = defineQuery({
  name: 'outcomes.group_confusion',
  row: z.object({
    window: z.string(),
    attribute: z.string(),
    g: z.string(),
    tp: count,
    fp: count,
    fn: count,
    tn: count,
  }),
  build: (p: GroupWindowsParams) => ({
    sql: `SELECT window, attribute, attributes[attribute] AS g,
                 countIf(predicted AND actual) AS tp, countIf(predicted AND NOT actual) AS fp,
                 countIf(NOT predicted AND actual) AS fn, countIf(NOT predicted AND NOT actual) AS tn
            FROM (SELECT window, attributes,
                         assumeNotNull(class) = {positive:Map(String, String)}[model_id] AS predicted,
                         label = {positive:Map(String, String)}[model_id] AS actual,
                         {attributes:Map(String, Array(String))}[model_id] AS of_model
                    FROM (SELECT window, model_id, label, attributes, ${PREDICTED} AS class
                            FROM ${windowedRows({ table: 'outcomes', time: 'prediction_time', columns: 'model_id, label, predicted_label, probabilities, attributes', final: true })})
                   WHERE class IS NOT NULL)
           ARRAY JOIN of_model AS attribute
           WHERE mapContains(attributes, attribute)
           GROUP BY window, attribute, g`,
    params: p,
  }),
})

/** Which label message each already-joined prediction came from (the predictions' times bound the scan). */
export const joinedFromQuery = defineQuery({
  name: 'outcomes.joined_from',
  row: z.object({ prediction_id: z.string(), label_partition: count, label_offset: z.string() }),
  build: (p: { model: string; ids: string[]; from: string; to: string }) => ({
    sql: `SELECT prediction_id, any(label_partition) AS label_partition, toString(any(label_offset)) AS label_offset
            FROM {db:Identifier}.outcomes
           WHERE model_id = {model:String} AND prediction_id IN {ids:Array(String)}
             AND prediction_time BETWEEN {from:DateTime64(3, 'UTC')} AND {to:DateTime64(3, 'UTC')}
           GROUP BY prediction_id`,
    params: p,
  }),
})

/** A partition's waiting labels whose next attempt is due at `now`, the most overdue first, at most `limit`. */
export const waitingLabelsQuery = defineQuery({
  name: 'pending_labels.waiting',
  row: z.object({
    label_partition: count,
    label_offset: z.string(),
    label_event: z.string(),
    arrived_at: z.string(),
    attempts: count,
  }),
  build: (p: { partition: number; now: string; limit: number }) => ({
    sql: `SELECT label_partition, toString(label_offset) AS label_offset, label_event, arrived_at, attempts
            FROM {db:Identifier}.pending_labels FINAL
           WHERE status = 'waiting' AND label_partition = {partition:UInt32} AND next_attempt <= {now:DateTime64(3)}
           ORDER BY next_attempt, label_offset
           LIMIT {limit:UInt32}`,
    params: p,
  }),
})
