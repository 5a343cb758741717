import { describe, expect, it } from 'vitest'
import { errorBody, readHttpQuery, splitFormat } from './protocol.js'

const read = (url: string, headers: Record<string, string> = {}, body = '') =>
  readHttpQuery(new URL(url, 'http://engine'), (n) => headers[n], body)

describe("reading a request of ClickHouse's HTTP interface", () => {
  it('takes credentials from X-ClickHouse headers, then Basic, then the URL, else user default', () => {
    expect(read('/?user=u&password=p', { 'x-clickhouse-user': 'h', 'x-clickhouse-key': 'k' })).toMatchObject({
      user: 'h',
      password: 'k',
    })
    const basic = `Basic ${Buffer.from('b:pa:ss').toString('base64')}`
    expect(read('/?user=u', { authorization: basic })).toMatchObject({ user: 'b', password: 'pa:ss' })
    expect(read('/?user=u&password=p')).toMatchObject({ user: 'u', password: 'p' })
    expect(read('/')).toMatchObject({ user: 'default', password: '' })
  })

  it('joins the query parameter and the body (an INSERT and its rows); parameters and settings apart', () => {
    const q = read(
      '/?query=INSERT%20INTO%20t%20FORMAT%20JSONEachRow&param_x=1&insert_deduplication_token=abc&database=vigil&default_format=JSON&query_id=q1',
      {},
      '{"a":1}',
    )
    expect(q).toMatchObject({
      sql: 'INSERT INTO t FORMAT JSONEachRow\n{"a":1}',
      params: { x: '1' },
      settings: { insert_deduplication_token: 'abc' },
      database: 'vigil',
      format: 'JSON',
      queryId: 'q1',
    })
    expect(read('/', {}, 'SELECT 1').sql).toBe('SELECT 1')
    expect(read('/?query=SELECT%201').sql).toBe('SELECT 1')
  })

  it('compresses the answer only when asked in the URL and accepted', () => {
    expect(read('/?enable_http_compression=1', { 'accept-encoding': 'gzip, deflate' }).gzipResponse).toBe(
      true,
    )
    expect(read('/?enable_http_compression=1').gzipResponse).toBe(false)
    expect(read('/', { 'accept-encoding': 'gzip' }).gzipResponse).toBe(false)
  })
})

describe('splitFormat', () => {
  it('takes a trailing FORMAT off a statement, and leaves one inside a string alone', () => {
    expect(splitFormat('SELECT 1 FORMAT Native')).toEqual({ statement: 'SELECT 1', format: 'Native' })
    expect(splitFormat('SELECT 1\nFORMAT JSONEachRow;\n')).toEqual({
      statement: 'SELECT 1',
      format: 'JSONEachRow',
    })
    expect(splitFormat("SELECT 'FORMAT x'")).toEqual({ statement: "SELECT 'FORMAT x'" })
  })
})

describe('errorBody', () => {
  it('is what clients parse for a code and a type', () => {
    expect(errorBody(60, 'UNKNOWN_TABLE', 'Table x does not exist. ', '25.8')).toBe(
      'Code: 60. DB::Exception: Table x does not exist. (UNKNOWN_TABLE) (version 25.8)\n',
    )
  })
})
