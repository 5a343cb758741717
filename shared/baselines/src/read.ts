import { createReadStream } from 'node:fs'
import { createInterface } from 'node:readline'
import { parse } from 'csv-parse'
import { addJsonRow, addText, type Column, column, InputFileError, type Table } from './table.js'

/** Empty cells and these spellings are missing values in CSV. */
const MISSING = new Set(['', 'null', 'NULL', 'NaN', 'nan', 'NA'])

/** Reads a CSV (header row) or NDJSON file of feature values, by extension: .csv, else NDJSON. */
export async function readTable(file: string): Promise<Table> {
  return /\.csv$/i.test(file) ? readCsv(file) : readNdjson(file)
}

/**
 * The column names of a CSV's header row, checked as {@link readTable} checks them (no name twice,
 * none empty); reads no further than the header.
 */
export async function readCsvHeader(file: string): Promise<string[]> {
  const parser = parse({ bom: true, skip_empty_lines: true, info: true, to_line: 1 })
  const input = createReadStream(file)
  input.on('error', (err) => parser.destroy(err))
  input.pipe(parser)
  try {
    for await (const { record, info } of parser as AsyncIterable<{
      record: string[]
      info: { lines: number }
    }>) {
      input.destroy()
      return checkedHeader(file, record, info.lines)
    }
  } catch (err) {
    throw toInputError(file, err)
  }
  throw new InputFileError(file, undefined, 'the file is empty; a CSV needs a header row')
}

function checkedHeader(file: string, record: readonly string[], line: number): string[] {
  const header = record.map((h) => h.trim())
  const dup = header.find((h, i) => header.indexOf(h) !== i)
  if (dup !== undefined) throw new InputFileError(file, line, `column "${dup}" appears twice in the header`)
  if (header.some((h) => h === ''))
    throw new InputFileError(file, line, 'the header has an empty column name')
  return header
}

async function readCsv(file: string): Promise<Table> {
  const table: Table = { file, rows: 0, columns: new Map() }
  // info: each record carries its own line (the parser's position runs ahead while iterating).
  const parser = parse({ bom: true, skip_empty_lines: true, info: true })
  const input = createReadStream(file)
  // pipe() does not forward a read error (no such file): hand it to the parser, whose loop throws it.
  input.on('error', (err) => parser.destroy(err))
  input.pipe(parser)
  let header: string[] | undefined
  let columns: Column[] = []
  try {
    for await (const { record, info } of parser as AsyncIterable<{
      record: string[]
      info: { lines: number }
    }>) {
      const line = info.lines
      if (!header) {
        header = checkedHeader(file, record, line)
        columns = header.map((h) => column(table, h))
        continue
      }
      table.rows++
      for (let i = 0; i < record.length; i++) {
        const raw = record[i]!
        const c = columns[i]!
        if (MISSING.has(raw.trim())) c.missing++
        else {
          const n = Number(raw)
          if (Number.isFinite(n) && raw.trim() !== '') c.numbers.push(n)
          else addText(c, raw, line)
        }
      }
    }
  } catch (err) {
    throw toInputError(file, err)
  }
  if (!header) throw new InputFileError(file, undefined, 'the file is empty; a CSV needs a header row')
  return table
}

/** The non-blank lines of a text file with their line numbers; read errors as {@link InputFileError}. */
export async function* nonBlankLines(file: string): AsyncGenerator<{ line: number; text: string }> {
  let line = 0
  try {
    for await (const text of createInterface({
      input: createReadStream(file),
      crlfDelay: Number.POSITIVE_INFINITY,
    })) {
      line++
      if (text.trim() !== '') yield { line, text }
    }
  } catch (err) {
    throw toInputError(file, err)
  }
}

async function readNdjson(file: string): Promise<Table> {
  const table: Table = { file, rows: 0, columns: new Map() }
  try {
    for await (const { line, text } of nonBlankLines(file)) {
      let row: unknown
      try {
        row = JSON.parse(text)
      } catch (err) {
        throw new InputFileError(file, line, `invalid JSON: ${(err as Error).message}`)
      }
      addJsonRow(table, row, line)
    }
  } catch (err) {
    throw toInputError(file, err)
  }
  if (table.rows === 0) throw new InputFileError(file, undefined, 'the file has no rows')
  return table
}

function toInputError(file: string, err: unknown): InputFileError {
  if (err instanceof InputFileError) return err
  const e = err as Error & { code?: string; lines?: number }
  if (e.code === 'ENOENT') return new InputFileError(file, undefined, 'no such file')
  if (e.code === 'EISDIR') return new InputFileError(file, undefined, 'is a directory, not a file')
  // csv-parse errors carry the line and say what is wrong ("Invalid Record Length: expect 3, got 4").
  return new InputFileError(file, e.lines, e.message.replace(/ on line \d+$/, ''))
}
