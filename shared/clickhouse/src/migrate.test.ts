import { describe, expect, it } from 'vitest'
import { compareVersions } from './client.js'
import { upStatements } from './migrate.js'

describe('upStatements', () => {
  it('takes the statements of the up section, without comments', () => {
    const sql = `-- header\n-- migrate:up\n-- why\nCREATE TABLE a (x String);\n\nCREATE TABLE b\n(\n  -- inline\n  y String COMMENT 'a; b'\n);\n-- migrate:down\nDROP TABLE a;\n`
    expect(upStatements(sql)).toEqual([
      'CREATE TABLE a (x String)',
      "CREATE TABLE b\n(\n  y String COMMENT 'a; b'\n)",
    ])
  })
  it('treats a file without markers as all up', () => {
    expect(upStatements('SELECT 1;\nSELECT 2;')).toEqual(['SELECT 1', 'SELECT 2'])
  })
})

describe('compareVersions', () => {
  it.each([
    ['23.8', '23.8', 0],
    ['23.10.1.1', '23.8', 1],
    ['23.3.2', '23.8', -1],
    ['26.7.2.1', '23.8', 1],
    ['22.12', '23.8', -1],
  ])('%s vs %s', (a, b, sign) => {
    expect(Math.sign(compareVersions(a, b))).toBe(sign)
  })
})
