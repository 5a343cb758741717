import { toClickHouseTime } from '../insert.js'

// Many windows of many models in one query: each row's tumbling window (of its model's size) as
// a key, kept when the key is one of those asked for. The table families' queries that compute
// windows of a batch at once build on it.
//
// The engine may compute the window of rows the WHERE drops (other models, whose size looks up
// as 0), so the size is at least 1 ms; and the asked-for keys are a set (`IN`), not a list each
// row scans (`has`).

/** The windows asked for, by key; sizes per model; the time range that holds them all. */
export type WindowsParams = {
  /** See {@link windowKeyOf}. */
  windows: string[]
  models: string[]
  /** Window length per model, ms. */
  sizes: Record<string, number>
  /** The earliest window start and the latest end, to prune the scan (DateTime64 text). */
  from: string
  to: string
}

/** A window's key as the queries build it: model, version and start (ms), unit-separated. */
export const windowKeyOf = (modelId: string, modelVersion: string, startMs: number) =>
  `${modelId}\u001f${modelVersion}\u001f${startMs}`

/** The parameters that ask for these windows (at least one), each of its model's length. */
export function windowsParams(
  windows: readonly { modelId: string; modelVersion: string; start: number; end: number }[],
): WindowsParams {
  const models = [...new Set(windows.map((w) => w.modelId))]
  const sizes: Record<string, number> = {}
  for (const w of windows) sizes[w.modelId] = w.end - w.start
  return {
    windows: windows.map((w) => windowKeyOf(w.modelId, w.modelVersion, w.start)),
    models,
    sizes,
    from: toClickHouseTime(Math.min(...windows.map((w) => w.start))),
    to: toClickHouseTime(Math.max(...windows.map((w) => w.end))),
  }
}

/**
 * `(SELECT <columns>, window FROM <table> …) WHERE <the window is asked for>`: a FROM clause whose
 * rows carry their window's key as `window`. The table and columns come from the caller's module.
 */
export function windowedRows(o: { table: string; time: string; columns: string; final?: boolean }): string {
  return `(SELECT ${o.columns},
                  greatest({sizes:Map(String, Int64)}[model_id], 1) AS window_ms,
                  intDiv(toUnixTimestamp64Milli(${o.time}), window_ms) * window_ms AS window_start_ms,
                  concat(model_id, '\\x1F', model_version, '\\x1F', toString(window_start_ms)) AS window
             FROM {db:Identifier}.${o.table}${o.final ? ' FINAL' : ''}
            WHERE model_id IN {models:Array(String)}
              AND ${o.time} >= {from:DateTime64(3, 'UTC')} AND ${o.time} < {to:DateTime64(3, 'UTC')})
    WHERE window IN {windows:Array(String)}`
}

/**
 * The predicted class of a `predictions` or `outcomes` row: the event's label, else the most
 * probable class (the first of equals), else NULL (a bare score or value names no class).
 */
export const PREDICTED = `if(isNotNull(predicted_label), predicted_label,
       if(empty(probabilities), NULL,
          mapKeys(probabilities)[indexOf(mapValues(probabilities), arrayMax(mapValues(probabilities)))]))`
