import { createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { sign } from './http.js'

describe('webhook signatures', () => {
  it('signs timestamp.body with HMAC-SHA256, as docs/alerts.md tells receivers to verify', () => {
    const body = '{"kind":"firing"}'
    const expected = createHmac('sha256', 'k').update(`1764000000.${body}`).digest('hex')
    expect(sign('k', '1764000000', body)).toBe(`sha256=${expected}`)
    expect(sign('k', '1764000001', body)).not.toBe(`sha256=${expected}`)
  })
})
