import { categoricalProfile, numericalProfile } from '@vigil/stats'
import type { Reference } from './reference.js'

/**
 * Baselines from rows of feature values, the same for `vigil baseline create` (a file) and
 * `POST /v1/models/{model}/baselines` (a request body).
 */

/** A problem in an input: which file (or request), which line, what is wrong. */
export class InputFileError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    reason: string,
  ) {
    super(line === undefined ? `${file}: ${reason}` : `${file}:${line}: ${reason}`)
    this.name = 'InputFileError'
  }
}

/** One column's values as read: numbers, text, and how many were missing. */
export interface Column {
  numbers: number[]
  texts: string[]
  missing: number
  /** First line holding a text value, to point at when a numerical column has one. */
  firstTextLine?: number
  firstText?: string
}

export interface Table {
  file: string
  rows: number
  columns: Map<string, Column>
}

export type ColumnType = 'numerical' | 'categorical'

export function column(table: Table, name: string): Column {
  let c = table.columns.get(name)
  if (!c) {
    c = { numbers: [], texts: [], missing: 0 }
    table.columns.set(name, c)
  }
  return c
}

export function addText(c: Column, value: string, line: number): void {
  c.texts.push(value)
  if (c.firstTextLine === undefined) {
    c.firstTextLine = line
    c.firstText = value
  }
}

/**
 * Adds one JSON row: an object of feature values, or a prediction event (its `features`).
 * Numbers are numerical, strings and booleans categorical, null missing.
 */
export function addJsonRow(table: Table, row: unknown, line: number): void {
  if (typeof row !== 'object' || row === null || Array.isArray(row)) {
    throw new InputFileError(table.file, line, 'expected a JSON object of feature values')
  }
  const values = isEvent(row) ? row.features : (row as Record<string, unknown>)
  table.rows++
  for (const [name, v] of Object.entries(values)) {
    const c = column(table, name)
    if (v === null) c.missing++
    else if (typeof v === 'number') c.numbers.push(v)
    else if (typeof v === 'string') addText(c, v, line)
    else if (typeof v === 'boolean') addText(c, String(v), line)
    else
      throw new InputFileError(
        table.file,
        line,
        `"${name}" is ${Array.isArray(v) ? 'an array' : 'an object'}; values must be numbers, strings, booleans or null`,
      )
  }
}

function isEvent(row: object): row is { features: Record<string, unknown> } {
  const f = (row as { features?: unknown }).features
  return 'schema_version' in row && typeof f === 'object' && f !== null && !Array.isArray(f)
}

/**
 * A baseline: one profile per column, typed as drift-check types them (numbers → numerical,
 * else categorical, unless `types` says which).
 */
export function profileTable(
  table: Table,
  version: string,
  types: ReadonlyMap<string, ColumnType> = new Map(),
): Reference {
  const features: Reference['features'] = {}
  for (const [name, c] of table.columns) {
    const type = types.get(name) ?? (c.texts.length === 0 ? 'numerical' : 'categorical')
    if (type === 'numerical') {
      if (c.texts.length > 0) {
        throw new InputFileError(
          table.file,
          c.firstTextLine,
          `column "${name}" is numerical but has the value ${JSON.stringify(c.firstText)}`,
        )
      }
      features[name] = numericalProfile(c.numbers, c.missing)
    } else {
      features[name] = categoricalProfile([...c.texts, ...c.numbers.map(String)], c.missing)
    }
  }
  return { name: `baseline:${version}`, kind: 'baseline', features }
}
