import { makePrediction } from '@vigil/testing'
import { describe, expect, it } from 'vitest'
import { createApiApp } from './app.js'

const token = { name: 'svc', scopes: ['ingest' as const], token: 'svc-token-0123456789' }

describe('ingest when Kafka is down', () => {
  it('answers 503 with the reason and accepts nothing', async () => {
    const app = createApiApp({
      tokens: [token],
      maxBodyBytes: 100_000,
      topics: { predictions: 'p', labels: 'l' },
      send: async () => {
        throw new Error('Connection error: connect ECONNREFUSED 127.0.0.1:9092')
      },
    })
    const res = await app.request('/v1/predictions', {
      method: 'POST',
      headers: { authorization: `Bearer ${token.token}` },
      body: JSON.stringify(makePrediction(0)),
    })
    expect(res.status).toBe(503)
    expect(await res.json()).toEqual({
      error:
        'Kafka is unavailable, nothing was accepted: Connection error: connect ECONNREFUSED 127.0.0.1:9092',
    })
  })
})
