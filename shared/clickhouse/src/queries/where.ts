import { toClickHouseTime } from '../insert.js'

/**
 * WHERE conditions with their parameters. Column names come from the calling module's code
 * only; values always travel as parameters, named after the column.
 */
export function conditions(params: Record<string, unknown> = {}) {
  const list: string[] = []
  return {
    params,
    list,
    eq(column: string, value: string | undefined) {
      if (value === undefined) return
      list.push(`${column} = {${column}:String}`)
      params[column] = value
    },
    /** `[from, to)` on a DateTime64 column; either end may be open. */
    range(column: string, from: number | undefined, to: number | undefined) {
      if (from !== undefined) {
        list.push(`${column} >= {from:DateTime64(3)}`)
        params.from = toClickHouseTime(from)
      }
      if (to !== undefined) {
        list.push(`${column} < {to:DateTime64(3)}`)
        params.to = toClickHouseTime(to)
      }
    },
    where: (extra: string[] = []) => {
      const all = [...list, ...extra]
      return all.length ? `WHERE ${all.join(' AND ')}` : ''
    },
  }
}

/** A list as the API answers it: `truncated` says more rows matched than the limit. */
export interface Page<R> {
  data: R[]
  truncated: boolean
}

/** Rows fetched with `LIMIT limit + 1`: the first `limit`, and whether there were more. */
export function firstRows<R>(rows: R[], limit: number): Page<R> {
  return { data: rows.slice(0, limit), truncated: rows.length > limit }
}
