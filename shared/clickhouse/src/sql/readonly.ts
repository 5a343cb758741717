/**
 * Analysts' SQL for `POST /v1/sql` and `vigil sql`: one read-only statement, run with limits
 * that the statement cannot lift.
 *
 * TRICKY: the embedded engine runs several `;`-separated statements in one call, applies
 * connection settings as session-wide `SET`s, and writes `INTO OUTFILE` files even under
 * `readonly=1` (all seen on chdb 3.4). So the limits go into the statement's own `SETTINGS`
 * clause (scoped to that query), and the text is lexed first: one statement, balanced
 * parentheses, no `SETTINGS`, `FORMAT` or `INTO OUTFILE` of its own. Where the lexer and
 * ClickHouse could read a character differently (`#` comments, `$$` heredocs, nested block
 * comments), the text is refused rather than guessed at.
 */

export interface SqlLimits {
  /** Rows returned at most; the answer says when there were more. */
  max_rows: number
  max_seconds: number
  max_memory_mb: number
  /** ClickHouse threads per query. */
  max_threads: number
}

export type CheckedSql =
  | { ok: true; statement: string; kind: 'select' | 'meta' }
  | { ok: false; reason: string }

const SELECTS = new Set(['SELECT', 'WITH'])
const META = new Set(['SHOW', 'DESCRIBE', 'DESC', 'EXISTS'])
/** Clauses vigil sets itself (limits, output format) or that write files. */
const REFUSED_WORDS: Record<string, string> = {
  SETTINGS: 'SETTINGS is not allowed: vigil sets the limits of analyst queries',
  FORMAT: 'FORMAT is not allowed: choose the output format with the request (or --format)',
  INTO: 'INTO OUTFILE is not allowed: results come back in the answer',
  OUTFILE: 'INTO OUTFILE is not allowed: results come back in the answer',
}

interface Word {
  upper: string
  /** The next character that is not white space, after the word. */
  next: string
  /** The word follows another and a dot (`system.settings`): a name, never a clause. */
  qualified: boolean
}

/** Lexes the SQL, or says why it cannot be run as one read-only statement. */
export function checkReadOnlySql(input: string): CheckedSql {
  const sql = input.trim()
  if (sql === '') return { ok: false, reason: 'empty query' }
  const words: Word[] = []
  let depth = 0
  let end = sql.length // text up to a trailing `;`
  let i = 0
  let lastWordEnd = -1
  const at = (k: number) => sql[k] ?? ''
  while (i < sql.length) {
    const ch = sql[i]!
    if (ch === "'" || ch === '"' || ch === '`') {
      const close = closingQuote(sql, i)
      if (close < 0) return { ok: false, reason: `unterminated ${ch === "'" ? 'string' : 'quoted name'}` }
      i = close + 1
    } else if (ch === '-' && at(i + 1) === '-') {
      const nl = sql.indexOf('\n', i)
      i = nl < 0 ? sql.length : nl + 1
    } else if (ch === '/' && at(i + 1) === '*') {
      const close = sql.indexOf('*/', i + 2)
      if (close < 0) return { ok: false, reason: 'unterminated /* comment' }
      if (sql.slice(i + 2, close).includes('/*'))
        return { ok: false, reason: 'nested /* comments are not allowed' }
      i = close + 2
    } else if (ch === '#' || ch === '$') {
      return { ok: false, reason: `"${ch}" outside a string is not allowed (comments: -- or /* */)` }
    } else if (ch === ';') {
      if (sql.slice(i + 1).trim() !== '' && !onlyComments(sql.slice(i + 1)))
        return { ok: false, reason: 'one statement per query: remove the ";"' }
      end = i
      break
    } else if (ch === '(') {
      depth++
      i++
    } else if (ch === ')') {
      if (--depth < 0) return { ok: false, reason: 'unbalanced parentheses: ")" without "("' }
      i++
    } else if (/[A-Za-z_]/.test(ch)) {
      let j = i + 1
      while (j < sql.length && /[A-Za-z0-9_]/.test(sql[j]!)) j++
      let k = j
      while (k < sql.length && /\s/.test(sql[k]!)) k++
      // Only a word right after `<word>.` is a name part; `1.SETTINGS` (a number, then the clause) is not.
      words.push({
        upper: sql.slice(i, j).toUpperCase(),
        next: at(k),
        qualified: at(i - 1) === '.' && lastWordEnd === i - 1,
      })
      lastWordEnd = j
      i = j
    } else i++
  }
  if (depth !== 0) return { ok: false, reason: 'unbalanced parentheses: "(" without ")"' }
  const first = words[0]?.upper
  const kind = first && SELECTS.has(first) ? 'select' : first && META.has(first) ? 'meta' : undefined
  if (!kind)
    return {
      ok: false,
      reason: `only read queries are allowed (SELECT, WITH, SHOW, DESCRIBE, EXISTS), not ${first ?? 'this'}`,
    }
  // format(...) is a function; FORMAT JSON is the clause.
  const refused = words.find(
    (w) => REFUSED_WORDS[w.upper] && !w.qualified && !(w.upper === 'FORMAT' && w.next === '('),
  )
  if (refused) return { ok: false, reason: REFUSED_WORDS[refused.upper]! }
  return { ok: true, statement: sql.slice(0, end).trimEnd(), kind }
}

/** Index of the quote that closes the one at `start` (doubled or backslash-escaped quotes skipped), or -1. */
function closingQuote(sql: string, start: number): number {
  const q = sql[start]
  for (let i = start + 1; i < sql.length; i++) {
    const ch = sql[i]
    if (ch === '\\') i++
    else if (ch === q) {
      if (sql[i + 1] === q) i++
      else return i
    }
  }
  return -1
}

function onlyComments(rest: string): boolean {
  return rest.split('\n').every((line) => line.trim() === '' || line.trim().startsWith('--'))
}

/**
 * The statement as it is sent: a SELECT wrapped so that its own LIMIT cannot lift vigil's
 * (one row more than `max_rows`, to tell that the answer was cut), and the limits in a query-scoped
 * SETTINGS clause. The statement stands on lines of its own, so a trailing `--` comment ends there.
 */
export function limitedStatement(
  checked: { statement: string; kind: 'select' | 'meta' },
  limits: SqlLimits,
): string {
  const settings =
    `SETTINGS readonly = 1, max_execution_time = ${Math.max(1, Math.floor(limits.max_seconds))}, ` +
    `max_memory_usage = ${Math.floor(limits.max_memory_mb * 1024 * 1024)}, max_result_rows = ${limits.max_rows + 1}, ` +
    // Few threads per analyst query, so the services sharing the machine (embedded: the process)
    // keep CPU; os_thread_priority was tried and has no effect in the embedded engine.
    `max_threads = ${Math.max(1, Math.floor(limits.max_threads))}, ` +
    "result_overflow_mode = 'break', output_format_json_quote_64bit_integers = 0"
  return checked.kind === 'select'
    ? `SELECT * FROM (\n${checked.statement}\n) LIMIT ${limits.max_rows + 1}\n${settings}`
    : `${checked.statement}\n${settings}`
}
