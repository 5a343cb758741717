import { describe, expect, it } from 'vitest'
import { drawOnce } from './chart.js'
import type { Notification } from './steps/plan.js'

const notification = (id: string, channel: Notification['channel'], keys: string[]): Notification => ({
  id,
  channel,
  target: channel === 'slack' ? '#ml' : 'oncall@example.com',
  kind: 'firing',
  modelId: 'fraud',
  modelVersion: 'v1',
  windowStart: 0,
  windowEnd: 3_600_000,
  alerts: keys.map((key) => ({ key }) as Notification['alerts'][number]),
})

describe('drawOnce', () => {
  it('draws a chart once for the Slack and email copies of the same alerts, again for others', async () => {
    let drawn = 0
    const draw = drawOnce(async () => Buffer.from(`png ${++drawn}`))
    const slack = await draw(notification('n1', 'slack', ['a', 'b']))
    const email = await draw(notification('n2', 'email', ['a', 'b']))
    expect(email).toBe(slack)
    expect(drawn).toBe(1)
    await draw(notification('n3', 'slack', ['a']))
    expect(drawn).toBe(2)
  })

  it('keeps a bounded number, and not a failed drawing', async () => {
    let calls = 0
    const draw = drawOnce(async () => {
      calls++
      if (calls === 1) throw new Error('ClickHouse away')
      return Buffer.from('png')
    }, 2)
    await expect(draw(notification('n1', 'slack', ['a']))).rejects.toThrow('ClickHouse away')
    await draw(notification('n2', 'email', ['a']))
    expect(calls).toBe(2)
    await draw(notification('n3', 'slack', ['b']))
    await draw(notification('n4', 'slack', ['c']))
    await draw(notification('n5', 'slack', ['a']))
    expect(calls).toBe(5)
  })
})
