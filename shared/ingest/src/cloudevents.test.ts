import type { PairBy } from '@vigil/config'
import { describe, expect, it } from 'vitest'
import { servingEvent } from './cloudevents.js'

// What pairs a request with its response: Seldon's requestid, else the model's ingest.pair_by,
// else the CloudEvent id.

const half = (kind: 'request' | 'response', extra: Record<string, unknown> = {}) => ({
  specversion: '1.0' as const,
  id: `${kind}-own-id`,
  source: 'proxy',
  type: `org.kubeflow.serving.inference.${kind}`,
  inferenceservicename: 'iris',
  data: { id: 'oip-7', inputs: [] },
  ...extra,
})
const pairId = (e: ReturnType<typeof half>, by?: PairBy) => {
  const s = servingEvent(e, () => by)
  return s.ok ? s.value.pairId : s.reason
}

describe('pairing', () => {
  it('by the CloudEvent id, unless Seldon names the request', () => {
    expect(pairId(half('request'))).toBe('request-own-id')
    expect(pairId(half('request', { requestid: 'r-1' }), { pointer: '/id' })).toBe('r-1')
  })

  it('by a JSON pointer into the body, an extension, or a logged header', () => {
    expect(pairId(half('request'), { pointer: '/id' })).toBe('oip-7')
    expect(pairId(half('response', { data: { a: { 'b/c': 42 } } }), { pointer: '/a/b~1c' })).toBe('42')
    expect(pairId(half('request', { traceid: 't-9' }), { extension: 'traceid' })).toBe('t-9')
    const metadata = JSON.stringify({ 'X-Request-Id': ['x-5'], other: ['y'] })
    expect(pairId(half('response', { metadata }), { metadata: 'x-request-id' })).toBe('x-5')
  })

  it('says what is missing to pair by', () => {
    expect(pairId(half('request'), { pointer: '/request_id' })).toBe(
      'the request has nothing at /request_id in its body to pair by (ingest.pair_by)',
    )
    expect(pairId(half('response'), { metadata: 'x-request-id' })).toBe(
      'the response has no x-request-id header in its metadata extension to pair by (ingest.pair_by)',
    )
    expect(pairId(half('request', { data: { id: { nested: true } } }), { pointer: '/id' })).toMatch(
      /nothing at \/id/,
    )
  })
})
