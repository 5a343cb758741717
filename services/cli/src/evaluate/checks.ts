// What the engine can vouch for in a line of an events file: SQL that is true only for a line the
// event parser (schemas/events, @vigil/events) accepts as it is, and whose values the engine
// turns into the same text and numbers as the process. It may refuse more than the schema does —
// a refused line sends the whole file to the process, which names the line or reads it — but
// never less: the tests hold it to every rule of the contract tests.
//
// Each object of a line is parsed once into (name, raw JSON) pairs. Once `isValidJSON` has passed,
// a raw value's first character says its type, and a number is finite (the engine's parser
// rejects one beyond Float64, as the event parser does) — cheaper than asking its type.

const isString = (raw: string) => `startsWith(${raw}, '"')`
const isNumber = (raw: string) => `match(${raw}, '^-?[0-9]')`
const isObject = (raw: string) => `startsWith(${raw}, '{')`

/**
 * A string of `min` (0 or 1) to `max` code points. Its raw form has at least one byte per code
 * point and two quotes, so the short ones need no unescaping.
 */
const text = (raw: string, min: 0 | 1, max: number) =>
  `(${isString(raw)} AND length(${raw}) >= ${min + 2}
    AND (length(${raw}) <= ${max + 2} OR lengthUTF8(JSONExtractString(${raw})) <= ${max}))`

/** The schema's `scalar`: a number, a string of at most 1,024 code points, a boolean, or null. */
const scalar = (raw: string) =>
  `(NOT startsWith(${raw}, '[') AND NOT ${isObject(raw)} AND (NOT ${isString(raw)} OR ${text(raw, 0, 1024)}))`

/** (name, raw) pairs: names once each (JSON.parse keeps the last of twins, the engine the first), at most `max`, `1..nameMax` code points. */
const entries = (kv: string, max: number, nameMax: number, value: (raw: string) => string) =>
  `(length(${kv}) <= ${max} AND length(arrayDistinct(arrayMap(kv -> kv.1, ${kv}))) = length(${kv})
    AND arrayAll(kv -> lengthUTF8(kv.1) BETWEEN 1 AND ${nameMax} AND ${value('kv.2')}, ${kv}))`

/** Names once each, every one allowed, every required one there. */
const shape = (names: string, allowed: readonly string[], required: readonly string[]) => {
  const list = (xs: readonly string[]) => `[${xs.map((x) => `'${x}'`).join(', ')}]::Array(String)`
  return `(length(arrayDistinct(${names})) = length(${names}) AND hasAll(${list(allowed)}, ${names})
    AND hasAll(${names}, ${list(required)}))`
}

/** The number as JavaScript's String() writes it, where the engine's text is the same (else NULL). */
export const numberText = (raw: string) =>
  `if(abs(JSONExtractFloat(${raw})) < 1e21, toString(JSONExtractFloat(${raw}) + 0), NULL)`

/** Attribute and label numbers become text; a number whose text the engine cannot match is refused. */
const textable = (raw: string) => `(NOT ${isNumber(raw)} OR abs(JSONExtractFloat(${raw})) < 1e21)`

const MODEL_ID = (raw: string) =>
  `(${isString(raw)} AND match(JSONExtractString(${raw}), '^[A-Za-z0-9_.-]{1,128}$'))`

const VERSION_ONE = (raw: string) => `(${isNumber(raw)} AND JSONExtractFloat(${raw}) = 1)`

/**
 * RFC 3339 with a time zone, as ajv-formats' `date-time`, narrower: `T`, `t` or a space between
 * date and time, an offset with its minutes, no leap second; a day the month has.
 */
const dateTime = (raw: string) => {
  const ts = `JSONExtractString(${raw})`
  const at = (from: number) => `toUInt32OrZero(substring(${ts}, ${from}, 2))`
  const year = `toUInt32OrZero(substring(${ts}, 1, 4))`
  const leap = `(${year} % 4 = 0 AND (${year} % 100 != 0 OR ${year} % 400 = 0))`
  return `(${isString(raw)}
    AND match(${ts}, '^\\\\d{4}-\\\\d{2}-\\\\d{2}[Tt ]\\\\d{2}:\\\\d{2}:\\\\d{2}(\\\\.\\\\d+)?([Zz]|[+-]\\\\d{2}:\\\\d{2})$')
    AND ${at(6)} BETWEEN 1 AND 12
    AND ${at(9)} BETWEEN 1 AND [31, if(${leap}, 29, 28), 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][${at(6)}]
    AND ${at(12)} <= 23 AND ${at(15)} <= 59 AND ${at(18)} <= 59
    AND (NOT match(${ts}, '[+-]\\\\d{2}:\\\\d{2}$')
         OR (toUInt32OrZero(substring(${ts}, -5, 2)) <= 23 AND toUInt32OrZero(substring(${ts}, -2, 2)) <= 59)))`
}

/**
 * The lines of an NDJSON file as the process reads them (blank ones skipped), in file order
 * (`n`), each with its top-level fields parsed once: `top_keys`, and `top` (name → raw JSON).
 */
export const LINES = `(SELECT line, rowNumberInAllBlocks() AS n, JSONExtractKeysAndValuesRaw(line) AS kvs,
         arrayMap(kv -> kv.1, kvs) AS top_keys, CAST(kvs, 'Map(String, String)') AS top
    FROM file({path:String}, 'LineAsString')
   WHERE NOT match(line, '^\\\\s*$'))`

/** A top-level field of a line of {@link LINES}, as raw JSON ('' when absent). */
export const field = (name: string) => `top['${name}']`

/** One JSON object of at most `maxBytes` bytes on a line of its own, with these fields. */
function line(maxBytes: number, allowed: readonly string[], required: readonly string[]): string {
  // Node's line reader also ends a line at a lone CR; the engine splits at LF only.
  return `(length(line) < ${maxBytes} AND isValidJSON(line) AND startsWith(line, '{')
    AND (position(line, '\\r') = 0 OR position(line, '\\r') = length(line))
    AND ${shape('top_keys', allowed, required)})`
}

const PREDICTION_FIELDS = [
  'schema_version',
  'prediction_id',
  'model_id',
  'model_version',
  'timestamp',
  'features',
  'prediction',
]

/**
 * The pairs a prediction check reads, per line of {@link LINES}: the features, the prediction,
 * its probabilities and the attributes (nulls included), each parsed once.
 */
export const PREDICTION_PARTS = `JSONExtractKeysAndValuesRaw(${field('features')}) AS features_kv,
  JSONExtractKeysAndValuesRaw(${field('prediction')}) AS prediction_kv,
  CAST(prediction_kv, 'Map(String, String)') AS prediction_raw,
  JSONExtractKeysAndValuesRaw(prediction_raw['probabilities']) AS probabilities_kv,
  JSONExtractKeysAndValuesRaw(${field('attributes')}) AS attributes_kv`

/** True for a line of {@link LINES} with {@link PREDICTION_PARTS} that is a valid prediction event. No value of a line is SQL here. */
export function predictionCheck(maxBytes: number): string {
  const p = (name: string) => `prediction_raw['${name}']`
  const has = (name: string) => `mapContains(prediction_raw, '${name}')`
  return `(${line(maxBytes, [...PREDICTION_FIELDS, 'attributes'], PREDICTION_FIELDS)}
    AND ${VERSION_ONE(field('schema_version'))}
    AND ${text(field('prediction_id'), 1, 128)} AND ${MODEL_ID(field('model_id'))}
    AND ${text(field('model_version'), 1, 128)} AND ${dateTime(field('timestamp'))}
    AND ${isObject(field('features'))} AND ${entries('features_kv', 1000, 128, scalar)}
    AND (NOT has(top_keys, 'attributes')
         OR (${isObject(field('attributes'))} AND ${entries('attributes_kv', 100, 128, (v) => `(${scalar(v)} AND ${textable(v)})`)}))
    AND ${isObject(field('prediction'))} AND length(prediction_kv) >= 1
    AND ${shape('arrayMap(kv -> kv.1, prediction_kv)', ['label', 'score', 'probabilities', 'value'], [])}
    AND (NOT ${has('label')} OR ${text(p('label'), 1, 256)})
    AND (NOT ${has('score')} OR ${isNumber(p('score'))})
    AND (NOT ${has('value')} OR ${isNumber(p('value'))})
    AND (NOT ${has('probabilities')}
         OR (${isObject(p('probabilities'))}
             AND ${entries('probabilities_kv', 1000, 256, (v) => `(${isNumber(v)} AND JSONExtractFloat(${v}) BETWEEN 0 AND 1)`)})))`
}

/** True for a line of {@link LINES} that is a valid label event. */
export function labelCheck(maxBytes: number): string {
  const fields = ['schema_version', 'prediction_id', 'model_id', 'timestamp', 'label']
  const label = field('label')
  return `(${line(maxBytes, fields, fields)} AND ${VERSION_ONE(field('schema_version'))}
    AND ${text(field('prediction_id'), 1, 128)} AND ${MODEL_ID(field('model_id'))}
    AND ${dateTime(field('timestamp'))}
    AND (${text(label, 1, 256)} OR (${isNumber(label)} AND ${textable(label)})))`
}
