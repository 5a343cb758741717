import type { Silence } from '@vigil/clickhouse'
import type { Rule } from '@vigil/config'
import type { MetricsMessage } from '@vigil/events'
import { METRICS_T0, makeDriftMetrics } from '@vigil/testing'
import { describe, expect, it } from 'vitest'
import { evaluateMessage } from './evaluate.js'
import { type AlertState, step } from './lifecycle.js'
import { matches, observe } from './observe.js'

const H = 3_600_000
const T0 = METRICS_T0

function rule(over: Partial<Rule> = {}): Rule {
  return {
    name: 'amount-psi',
    model: 'fraud',
    family: 'drift',
    metric: 'psi',
    condition: { op: '>', value: 0.2 },
    for: 1,
    min_samples: 0,
    min_label_coverage: 0,
    severity: 'critical',
    notify: ['slack:#ml', 'email:oncall@example.com'],
    labels: {},
    ...over,
  }
}

/** The shared builder, with data quality in the message too. */
function message(w: number, psi: Record<string, number | null>, over: Partial<MetricsMessage> = {}) {
  return makeDriftMetrics(w, psi, {
    quality: { amount: { missing_rate: 0.01 }, __model__: { late_events: 3 } },
    ...over,
  })
}

/** Runs messages through observe + step for one rule; returns each window's transitions. */
function run(r: Rule, messages: MetricsMessage[], repeat = 4 * H) {
  const states = new Map<string, AlertState>()
  return messages.map((m) =>
    observe([r], m).map((o) => {
      const s = step(states.get(o.key), o, repeat)
      states.set(o.key, s.state)
      return `${o.subject}:${s.transition ?? '-'}`
    }),
  )
}

describe('observe', () => {
  it('selects features, model-level metrics and globs', () => {
    const m = message(0, { amount: 0.3, age: 0.1 })
    expect(observe([rule({ feature: 'amount' })], m).map((o) => [o.subject, o.value, o.breached])).toEqual([
      ['amount', 0.3, true],
    ])
    expect(observe([rule()], m).map((o) => o.subject)).toEqual(['amount', 'age'])
    expect(
      observe([rule({ metric: 'drift_share', condition: { op: '>=', value: 0.5 } })], m)[0],
    ).toMatchObject({
      subject: '',
      breached: true,
    })
    expect(observe([rule({ family: 'quality', metric: 'late_events' })], m)[0]).toMatchObject({
      subject: '',
      value: 3,
    })
    expect(observe([rule({ model: 'other' })], m)).toEqual([])
    expect(matches('num_*', 'num_3')).toBe(true)
    expect(matches('num_*', 'cat_3')).toBe(false)
  })

  it('does not judge a window under min_samples or with no value', () => {
    expect(observe([rule({ min_samples: 5000 })], message(0, { amount: 0.9 }))[0]!.breached).toBeUndefined()
    expect(observe([rule()], message(0, { amount: null }))[0]!.breached).toBeUndefined()
  })

  it('reads fairness per attribute and group, leaving out the reference group', () => {
    const m = message(
      0,
      {},
      {
        family: 'fairness',
        fairness: {
          gender: {
            reference_group: 'm',
            groups: { m: { disparate_impact: 1 }, f: { disparate_impact: 0.7 } },
          },
        },
      },
    )
    const r = rule({
      family: 'fairness',
      metric: 'disparate_impact',
      condition: { op: 'outside', low: 0.8, high: 1.25 },
    })
    expect(observe([r], m).map((o) => [o.subject, o.breached])).toEqual([['gender=f', true]])
  })
})

describe('lifecycle', () => {
  it('goes pending, firing, then resolved, with `for` consecutive windows', () => {
    const r = rule({ feature: 'amount', for: 2 })
    const psi = [0.3, 0.1, 0.3, 0.3, 0.3, 0.1, 0.1]
    expect(
      run(
        r,
        psi.map((v, w) => message(w, { amount: v })),
      ).flat(),
    ).toEqual([
      'amount:pending',
      'amount:cleared',
      'amount:pending',
      'amount:firing',
      'amount:-',
      'amount:resolved',
      'amount:-',
    ])
  })

  it('repeats while firing after the repeat interval of event time', () => {
    const r = rule({ feature: 'amount' })
    const out = run(
      r,
      Array.from({ length: 6 }, (_, w) => message(w, { amount: 0.5 })),
      2 * H,
    )
    expect(out.flat()).toEqual([
      'amount:firing',
      'amount:-',
      'amount:repeat',
      'amount:-',
      'amount:repeat',
      'amount:-',
    ])
  })

  it('ignores an old window and a replayed one; judges a re-published window again', () => {
    const r = rule({ feature: 'amount', for: 2 })
    const out = run(r, [
      message(0, { amount: 0.5 }),
      message(1, { amount: 0.5 }),
      message(1, { amount: 0.5 }), // replay after a crash
      message(0, { amount: 0.1 }), // late and older
      message(1, { amount: 0.1 }, { version: 2 }), // labels changed the window: no longer breaks
    ])
    expect(out.flat()).toEqual(['amount:pending', 'amount:firing', 'amount:-', 'amount:-', 'amount:resolved'])
  })

  it('keeps its state through windows it cannot judge', () => {
    const r = rule({ feature: 'amount', for: 2, min_samples: 100 })
    const out = run(r, [
      message(0, { amount: 0.5 }),
      message(1, { amount: 0.1 }, { n: 10 }),
      message(2, { amount: 0.5 }),
    ])
    expect(out.flat()).toEqual(['amount:pending', 'amount:-', 'amount:firing'])
  })
})

describe('plan', () => {
  function evaluate(
    rules: Rule[],
    m: MetricsMessage,
    states: Map<string, AlertState>,
    silences: Silence[] = [],
  ) {
    const { plan: p, changes } = evaluateMessage(rules, m, {
      states,
      repeatIntervalMs: 4 * H,
      silences,
      now: T0,
      lastRetrain: new Map(),
      retrainCooldownMs: () => 24 * H,
    })
    for (const c of changes) states.set(c.observation.key, c.state)
    return p
  }

  it('groups the features that break together into one message per target, and threads the resolution', () => {
    const states = new Map<string, AlertState>()
    const r = rule({ retrain: 'retrain-fraud' })
    const fired = evaluate([r], message(0, { amount: 0.5, age: 0.4, zip: 0.1 }), states)
    expect(
      fired.notifications.map((n) => [n.channel, n.target, n.kind, n.alerts.map((a) => a.subject)]),
    ).toEqual([
      ['slack', '#ml', 'firing', ['age', 'amount']],
      ['email', 'oncall@example.com', 'firing', ['age', 'amount']],
      ['webhook', 'retrain-fraud', 'retrain', ['age', 'amount']],
    ])
    const slackFiring = fired.notifications[0]!.id
    const resolved = evaluate([r], message(1, { amount: 0.1, age: 0.1, zip: 0.1 }), states)
    expect(resolved.notifications.map((n) => [n.channel, n.kind, n.alerts.length, n.threadOf])).toEqual([
      ['slack', 'resolved', 2, slackFiring],
      ['email', 'resolved', 2, undefined],
    ])
    // The same evaluation planned again gives the same ids (the outbox dedups on them).
    const again = evaluate([r], message(0, { amount: 0.5, age: 0.4 }), new Map())
    expect(again.notifications[0]!.id).toBe(slackFiring)
  })

  it('tells nobody about a silenced alert, and not about its resolution either', () => {
    const states = new Map<string, AlertState>()
    const silence: Silence = {
      id: 's',
      rule: '*',
      modelId: 'fraud',
      subject: 'amount',
      startsAt: 0,
      endsAt: T0 + H,
    }
    const r = rule({ feature: 'amount' })
    expect(evaluate([r], message(0, { amount: 0.5 }), states, [silence]).notifications).toEqual([])
    expect(states.get('amount-psi|fraud|v1|amount')!.status).toBe('firing')
    expect(evaluate([r], message(1, { amount: 0.1 }), states).notifications).toEqual([])
  })
})
