import type { Rule } from '@vigil/config'
import { chartSignatureValid } from '@vigil/events'
import type { Write } from '@vigil/kafka'
import { makeDriftMetrics } from '@vigil/testing'
import { describe, expect, it } from 'vitest'
import { planBatch, type RulesEnv, type RulesState } from './batch.js'
import type { AlertState } from './lifecycle.js'

const rule: Rule = {
  name: 'amount-psi',
  model: 'fraud',
  family: 'drift',
  metric: 'psi',
  feature: 'amount',
  condition: { op: '>', value: 0.2 },
  for: 1,
  min_samples: 0,
  min_label_coverage: 0,
  severity: 'critical',
  notify: ['webhook:oncall'],
  labels: {},
}
const env: RulesEnv = {
  rules: [rule],
  repeatIntervalMs: 4 * 3_600_000,
  retrainCooldownMs: () => 86_400_000,
  alertsTopic: 'vigil.alerts',
}
const ctx = { now: Date.UTC(2026, 10, 30), silences: [], partition: 0 }
const where = (w: Write) => ('table' in w ? w.table.name : w.topic)
const fresh = (): RulesState => ({
  states: new Map<string, AlertState>(),
  retrains: new Map<string, number>(),
})

describe('rules batch plan', () => {
  it('a firing: notification, history, the alerts topic, then the alert state; the state given is untouched', () => {
    const state = fresh()
    const plan = planBatch(state, [makeDriftMetrics(0, { amount: 0.5 })], ctx, env)
    expect(plan.writes.map(where)).toEqual(['notifications', 'alert_history', 'vigil.alerts', 'alerts'])
    expect(plan.transitions).toEqual(['firing'])
    expect(plan.outbox.map((r) => r.notification.kind)).toEqual(['firing'])
    expect(state.states.size).toBe(0)
    expect([...plan.next.states.values()].map((s) => s.status)).toEqual(['firing'])
  })

  it('links each alert to its page in the console when public_url is set, by its episode', () => {
    const linked = planBatch(fresh(), [makeDriftMetrics(0, { amount: 0.5 })], ctx, {
      ...env,
      publicUrl: 'https://vigil.example.com',
    })
    const [alert] = linked.outbox[0]!.notification.alerts
    expect(alert!.url).toBe(`https://vigil.example.com/ui/alerts/${alert!.episode}`)
    expect(alert!.episode).toMatch(/^[0-9a-f]{20}$/)
    expect(alert!.chartUrl).toBeUndefined()
    const plain = planBatch(fresh(), [makeDriftMetrics(0, { amount: 0.5 })], ctx, env)
    expect(plain.outbox[0]!.notification.alerts[0]!.url).toBeUndefined()
    // With a link secret, the chart too, signed for its episode alone.
    const signed = planBatch(fresh(), [makeDriftMetrics(0, { amount: 0.5 })], ctx, {
      ...env,
      publicUrl: 'https://vigil.example.com',
      linkSecret: 'a-link-secret-of-some-length',
    }).outbox[0]!.notification.alerts[0]!
    const sig =
      /^https:\/\/vigil\.example\.com\/v1\/alerts\/episodes\/([0-9a-f]{20})\/chart\.png\?sig=([0-9a-f]{32})$/.exec(
        signed.chartUrl ?? '',
      )
    expect(sig?.[1]).toBe(signed.episode)
    expect(chartSignatureValid('a-link-secret-of-some-length', signed.episode, sig![2]!)).toBe(true)
    expect(chartSignatureValid('another-secret-of-some-length', signed.episode, sig![2]!)).toBe(false)
    expect(chartSignatureValid('a-link-secret-of-some-length', '0123456789abcdef0123', sig![2]!)).toBe(false)
  })

  it('planned again from the same state gives the same writes (a retry is deduplicated)', () => {
    const state = fresh()
    const ms = [makeDriftMetrics(0, { amount: 0.5 }), makeDriftMetrics(1, { amount: 0.1 })]
    expect(planBatch(state, ms, ctx, env).writes).toEqual(planBatch(state, ms, ctx, env).writes)
  })

  it('a batch planned in two halves, the second on the first’s next state, decides as one', () => {
    const ms = [makeDriftMetrics(0, { amount: 0.5 }), makeDriftMetrics(1, { amount: 0.1 })]
    const whole = planBatch(fresh(), ms, ctx, env)
    const left = planBatch(fresh(), ms.slice(0, 1), ctx, env)
    const right = planBatch(left.next, ms.slice(1), ctx, env)
    expect([...left.transitions, ...right.transitions]).toEqual(whole.transitions)
    expect(whole.transitions).toEqual(['firing', 'resolved'])
  })

  it('applying the next state writes it through to the committed map', () => {
    const state = fresh()
    const plan = planBatch(state, [makeDriftMetrics(0, { amount: 0.5 })], ctx, env)
    plan.next.states.apply()
    expect([...state.states.values()].map((s) => s.status)).toEqual(['firing'])
  })
})
