import { createLogger } from '@vigil/observability'
import { slackStandIn, waitFor } from '@vigil/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Notification } from '../steps/plan.js'
import { MAX_WAITING_CHARTS, slackSender } from './slack.js'

// The Slack sender against the local stand-in: charts follow their alerts, a bounded number at a time.

let slack: Awaited<ReturnType<typeof slackStandIn>>
beforeAll(async () => {
  slack = await slackStandIn()
})
afterAll(async () => slack?.close())

const firing = (i: number): Notification => ({
  id: `n${i}`,
  channel: 'slack',
  target: '#ml-alerts',
  kind: 'firing',
  modelId: `model-${i}`,
  modelVersion: 'v1',
  windowStart: 0,
  windowEnd: 3_600_000,
  alerts: [
    {
      key: `psi|model-${i}|v1|amount`,
      rule: 'psi',
      severity: 'critical',
      modelId: `model-${i}`,
      modelVersion: 'v1',
      subject: 'amount',
      metric: 'drift.psi',
      value: 0.5,
      condition: '> 0.2',
      episode: 'e',
      since: 0,
      windowStart: 0,
      windowEnd: 3_600_000,
      labels: {},
    },
  ],
})

describe('Slack sender', () => {
  it('delivers every alert at once; of a burst, the charts beyond those waiting are skipped, not queued', async () => {
    let release: () => void = () => {}
    const gate = new Promise<void>((r) => {
      release = r
    })
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47])
    const sender = slackSender({
      token: 'xoxb-test',
      apiUrl: slack.url,
      log: createLogger({ name: 'test', level: 'silent' }),
      chart: async () => {
        await gate // the first chart holds the queue, as a slow render would
        return png
      },
    })
    const n = MAX_WAITING_CHARTS + 10
    const results = await Promise.all(Array.from({ length: n }, (_, i) => sender.send(firing(i), {})))
    expect(results.every((r) => r.ok)).toBe(true)
    expect(slack.posts).toHaveLength(n) // no alert waited for a picture
    release()
    await sender.close?.()
    expect(await waitFor(async () => slack.uploads.length >= MAX_WAITING_CHARTS, 10_000)).toBe(true)
    expect(slack.uploads).toHaveLength(MAX_WAITING_CHARTS)
    expect(slack.uploads[0]).toMatchObject({ channel: 'C_ml-alerts', threadTs: slack.posts[0]!.ts })
  }, 30_000)
})
