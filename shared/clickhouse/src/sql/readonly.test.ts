import { describe, expect, it } from 'vitest'
import { checkReadOnlySql, limitedStatement } from './readonly.js'

const refused = (sql: string) => {
  const r = checkReadOnlySql(sql)
  return r.ok ? undefined : r.reason
}

describe('checkReadOnlySql', () => {
  it('takes one read statement, a trailing ";" and comments included', () => {
    for (const sql of [
      'SELECT 1',
      'select count() from predictions;',
      'WITH x AS (SELECT 1) SELECT * FROM x -- the answer\n',
      "SELECT ';' AS semi, 'it''s', 'a\\'b', \"we;ird\", `na;me` FROM t",
      "SELECT format('{} {}', 1, 2) /* not the FORMAT clause */",
      'SHOW TABLES',
      'DESCRIBE TABLE predictions',
      'EXISTS TABLE labels',
      'SELECT 1; -- done',
      // Names, not clauses: what clickhouse-connect asks when it connects.
      'SELECT name, value, readonly FROM system.settings LIMIT 10000',
      'SELECT t.format FROM t',
    ])
      expect(refused(sql), sql).toBeUndefined()
    expect(checkReadOnlySql('SELECT 1;  ')).toEqual({ ok: true, statement: 'SELECT 1', kind: 'select' })
    expect(checkReadOnlySql('SHOW TABLES')).toMatchObject({ kind: 'meta' })
  })

  it('refuses writes, several statements and clauses that lift limits or write files', () => {
    const cases: [string, RegExp][] = [
      ['', /empty/],
      ['INSERT INTO predictions VALUES (1)', /only read queries .* not INSERT/],
      ['DROP TABLE predictions', /not DROP/],
      ['SET readonly = 0', /not SET/],
      ['SELECT 1; DROP TABLE predictions', /one statement/],
      ["SELECT 1 ; SELECT ';'", /one statement/],
      ['SELECT 1 SETTINGS max_execution_time = 0', /SETTINGS is not allowed/],
      ['SELECT * FROM (SELECT 1 settings readonly=0)', /SETTINGS is not allowed/],
      ['SELECT 1.SETTINGS readonly = 0', /SETTINGS is not allowed/],
      ['SELECT 1 . SETTINGS readonly = 0', /SETTINGS is not allowed/],
      ['SELECT 1 FORMAT TabSeparated', /FORMAT is not allowed/],
      ["SELECT 1 INTO OUTFILE '/tmp/x'", /INTO OUTFILE/],
      ['SELECT 1) UNION ALL (SELECT 2', /unbalanced/],
      ['SELECT (1', /unbalanced/],
      ["SELECT 'open", /unterminated string/],
      ['SELECT "open', /unterminated quoted name/],
      ['SELECT 1 /* open', /unterminated/],
      ['SELECT 1 /* /* */ ; DROP TABLE t */', /nested/],
      ['SELECT 1 # comment', /"#" outside a string/],
      ["SELECT $$'$$; DROP TABLE t; SELECT '", /"\$" outside a string/],
      ['-- only a comment', /only read queries/],
    ]
    for (const [sql, reason] of cases) expect(refused(sql), sql).toMatch(reason)
  })
})

describe('limitedStatement', () => {
  const limits = { max_rows: 100, max_seconds: 5, max_memory_mb: 1024, max_threads: 2 }

  it("wraps a SELECT so its own LIMIT and a trailing comment cannot lift vigil's", () => {
    const sql = limitedStatement(
      { statement: 'SELECT * FROM t LIMIT 1000000 -- all', kind: 'select' },
      limits,
    )
    expect(sql).toBe(
      'SELECT * FROM (\nSELECT * FROM t LIMIT 1000000 -- all\n) LIMIT 101\n' +
        "SETTINGS readonly = 1, max_execution_time = 5, max_memory_usage = 1073741824, max_result_rows = 101, max_threads = 2, result_overflow_mode = 'break', output_format_json_quote_64bit_integers = 0",
    )
  })

  it('appends the settings to SHOW and DESCRIBE, which cannot be wrapped', () => {
    expect(limitedStatement({ statement: 'SHOW TABLES', kind: 'meta' }, limits)).toMatch(
      /^SHOW TABLES\nSETTINGS readonly = 1, max_execution_time = 5,/,
    )
  })
})
