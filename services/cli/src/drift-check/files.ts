import { existsSync } from 'node:fs'
import { InputFileError, readCsvHeader, readTable } from '@vigil/baselines'
import type { ClickHouse } from '@vigil/clickhouse'

// The engine reads the files (C++ parsers, both cores) into one table of cells: per file (side 0
// the reference, 1 the current), column and row, the value as a number or as text, or neither
// (missing). Values are classified as `readTable` does in the process, so both give the same
// columns, numbers and categories.

export type FileFormat = 'csv' | 'ndjson' | 'parquet'

/** By extension: .csv, .parquet (or .pq), else NDJSON. */
export function fileFormat(path: string): FileFormat {
  if (/\.csv$/i.test(path)) return 'csv'
  if (/\.(parquet|pq)$/i.test(path)) return 'parquet'
  return 'ndjson'
}

/** Empty cells and these spellings are missing values in CSV (as `readTable` reads them). */
const CSV_MISSING = ['', 'null', 'NULL', 'NaN', 'nan', 'NA']

/** A cells table of its own in `ch.database`, dropped by `drop`. */
export async function createCells(ch: ClickHouse): Promise<{ name: string; drop: () => Promise<void> }> {
  const name = `drift_check_cells_${process.pid}_${Date.now()}`
  await ch.client.command({
    query: `CREATE TABLE {db:Identifier}.{cells:Identifier}
            (side UInt8, name LowCardinality(String), num Nullable(Float64), text Nullable(String), invalid UInt8)
            ENGINE = Memory`,
    query_params: { db: ch.database, cells: name },
  })
  return {
    name,
    drop: async () => {
      await ch.client.command({
        query: 'DROP TABLE IF EXISTS {db:Identifier}.{cells:Identifier}',
        query_params: { db: ch.database, cells: name },
      })
    },
  }
}

/**
 * Loads one file's cells. A problem the engine meets (a malformed row, invalid JSON) or marks
 * (`invalid`: a nested value, a line that is not an object) is reported as `readTable` reports it,
 * with its line, by reading the file in the process; only then.
 */
export async function loadCells(ch: ClickHouse, cells: string, side: 0 | 1, file: string): Promise<void> {
  const params: Record<string, unknown> = { db: ch.database, cells, side, path: file }
  let select: string
  switch (fileFormat(file)) {
    case 'csv':
      select = await csvCells(file, params)
      break
    case 'ndjson':
      select = ndjsonCells()
      break
    case 'parquet':
      select = await parquetCells(ch, file, params)
      break
  }
  try {
    await ch.client.command({
      query: `INSERT INTO {db:Identifier}.{cells:Identifier} (side, name, num, text, invalid) ${select}`,
      query_params: params,
      // Columns by position: the header was read (and checked) above, the structure names them c0, c1, …
      clickhouse_settings: {
        input_format_csv_skip_trailing_empty_lines: 1,
        input_format_with_names_use_header: 0,
      },
    })
  } catch (err) {
    await explainInProcess(file)
    throw new InputFileError(file, undefined, (err as Error).message)
  }
  const { total, invalid } = await cellCounts(ch, cells, side)
  // No cells at all: an empty file, which the process reader rejects (NDJSON) or reads (a CSV header).
  if (invalid > 0 || total === 0) {
    await explainInProcess(file)
    if (invalid > 0)
      throw new InputFileError(
        file,
        undefined,
        'a row is not an object of numbers, strings, booleans or null',
      )
  }
}

/** Reads the file as `vigil baseline create` does, to throw its error with file and line. */
async function explainInProcess(file: string): Promise<void> {
  if (fileFormat(file) !== 'parquet') await readTable(file)
}

async function csvCells(file: string, params: Record<string, unknown>): Promise<string> {
  const header = await readCsvHeader(file)
  params.structure = header.map((_, i) => `c${i} String`).join(', ')
  params.missing = CSV_MISSING
  const pairs = header.map((h, i) => {
    params[`n${i}`] = h
    return `({n${i}:String}, c${i})`
  })
  // Number() in the process trims the value and takes only finite numbers; so does this.
  return `SELECT {side:UInt8}, cell.1, num, if(num IS NULL AND NOT missing, cell.2, NULL), 0
            FROM (SELECT cell, trimBoth(cell.2) AS t, t IN {missing:Array(String)} AS missing,
                         if(missing, NULL, toFloat64OrNull(t)) AS f,
                         if(isFinite(f), f, NULL) AS num
                    FROM file({path:String}, 'CSVWithNames', {structure:String})
                   ARRAY JOIN [${pairs.join(', ')}] AS cell)`
}

function ndjsonCells(): string {
  // An object of feature values, or a prediction event whose `features` are the values; a line
  // that is neither becomes one invalid cell, so that it is not silently dropped.
  return `SELECT {side:UInt8}, kv.1, if(type IN ('Int64', 'UInt64', 'Double'), JSONExtractFloat(kv.2), NULL),
                 multiIf(type = 'String', JSONExtractString(kv.2), type = 'Bool', kv.2, NULL),
                 type NOT IN ('Int64', 'UInt64', 'Double', 'String', 'Bool', 'Null')
            FROM (SELECT kv, JSONType(kv.2) AS type
                    FROM (SELECT if(isValidJSON(json) AND JSONType(json) = 'Object',
                                    JSONExtractKeysAndValuesRaw(
                                      if(JSONHas(json, 'schema_version') AND JSONType(json, 'features') = 'Object',
                                         JSONExtractRaw(json, 'features'), json)),
                                    [('', '[]')]) AS pairs
                            FROM file({path:String}, 'JSONAsString'))
                   ARRAY JOIN pairs AS kv)`
}

async function parquetCells(ch: ClickHouse, file: string, params: Record<string, unknown>): Promise<string> {
  let columns: { name: string; type: string }[]
  try {
    const described = await ch.client.query({
      query: 'DESCRIBE file({path:String}, Parquet)',
      query_params: { path: file },
      format: 'JSONEachRow',
    })
    columns = (await described.json()) as { name: string; type: string }[]
  } catch (err) {
    if (!existsSync(file)) throw new InputFileError(file, undefined, 'no such file')
    throw new InputFileError(
      file,
      undefined,
      `not a Parquet file the engine can read: ${(err as Error).message}`,
    )
  }
  const cells = columns.map(({ name, type }, i) => {
    params[`n${i}`] = name
    params[`c${i}`] = name
    const plain = type.replace(/^Nullable\((.*)\)$/, '$1').replace(/^LowCardinality\((.*)\)$/, '$1')
    const col = `{c${i}:Identifier}`
    // NaN is pandas' missing number; booleans, text and dates are categories.
    if (/^(U?Int\d+|Float\d+|Decimal)/.test(plain))
      return `({n${i}:String}, if(isFinite(toFloat64(${col})), toFloat64(${col}), NULL), CAST(NULL AS Nullable(String)), 0)`
    if (/^(String|FixedString|Bool|Date|DateTime|Enum|UUID)/.test(plain))
      return `({n${i}:String}, CAST(NULL AS Nullable(Float64)), toString(${col}), 0)`
    throw new InputFileError(
      file,
      undefined,
      `column "${name}" is ${type}; values must be numbers, text or booleans`,
    )
  })
  return `SELECT {side:UInt8}, cell.1, cell.2, cell.3, cell.4
            FROM file({path:String}, Parquet) ARRAY JOIN [${cells.join(', ')}] AS cell`
}

async function cellCounts(
  ch: ClickHouse,
  cells: string,
  side: 0 | 1,
): Promise<{ total: number; invalid: number }> {
  const r = await ch.client.query({
    query: `SELECT count() AS total, countIf(invalid) AS invalid
              FROM {db:Identifier}.{cells:Identifier} WHERE side = {side:UInt8}`,
    query_params: { db: ch.database, cells, side },
    format: 'JSONEachRow',
  })
  const [row] = (await r.json()) as { total: string; invalid: string }[]
  return { total: Number(row?.total), invalid: Number(row?.invalid) }
}
