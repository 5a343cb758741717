import { z } from 'zod'

/**
 * A table as vigil writes it: its name and the zod schema of an inserted row (the columns vigil
 * sets; columns with a DEFAULT may be left out). The schema types the rows at compile time and a
 * test holds it to the migrated table's columns; inserts do not parse rows one by one (the
 * recorder inserts tens of thousands a second).
 */
export interface TableDef<Row, S extends z.ZodObject = z.ZodObject> {
  readonly name: string
  readonly row: S
  /** The inserted row's type (never set: it carries `z.input` of `row` to `insertRows`). */
  readonly _row?: Row
}

export function defineTable<S extends z.ZodObject>(name: string, row: S): TableDef<z.input<S>, S> {
  return { name, row }
}

/** Column types as written in JSONEachRow. */
export const column = {
  /** DateTime64(3) in UTC as text, `YYYY-MM-DD hh:mm:ss.sss` (toClickHouseTime). */
  time: z.string(),
  /** UInt64: text (exact beyond 2^53) or a number. */
  uint64: z.union([z.string(), z.number().int().nonnegative()]),
  uint32: z.number().int().nonnegative(),
  float: z.number(),
  nullableFloat: z.number().nullable(),
  string: z.string(),
  nullableString: z.string().nullable(),
  numberMap: z.record(z.string(), z.number()),
  stringMap: z.record(z.string(), z.string()),
}
