import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseCondition } from './alerting.js'
import { ConfigError } from './errors.js'
import { loadVigilConfig } from './vigil.js'

function load(text: string, env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-rules-'))
  writeFileSync(join(dir, 'vigil.yaml'), text)
  return loadVigilConfig({ env, cwd: dir })
}

function problems(text: string): string[] {
  try {
    load(text)
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError)
    return (err as ConfigError).problems.map((p) => `${p.line ?? '-'} ${p.path}: ${p.reason}`)
  }
  throw new Error('expected a ConfigError')
}

const GOOD = `alerting:
  repeat_interval: 2h
  webhooks:
    retrain-fraud:
      url: https://ml.example.com/retrain
      kind: retrain
      secret_env: RETRAIN_SECRET
rules:
  - name: amount-drift
    model: fraud-detector
    metric: drift.psi
    feature: amount
    when: "> 0.2"
    for: 2
    min_samples: 500
    severity: critical
    notify: ["slack:#ml-alerts", "email:oncall@example.com"]
    retrain: retrain-fraud
    runbook: https://runbooks.example.com/drift
`

describe('conditions', () => {
  it('reads comparisons and ranges', () => {
    expect(parseCondition('> 0.2')).toEqual({ op: '>', value: 0.2 })
    expect(parseCondition('<=-1e-3')).toEqual({ op: '<=', value: -0.001 })
    expect(parseCondition('outside [0.8, 1.25]')).toEqual({ op: 'outside', low: 0.8, high: 1.25 })
    for (const bad of ['0.2', '> x', 'outside [2, 1]', '== 1', '> 0.2 or so'])
      expect(parseCondition(bad)).toBeUndefined()
  })
})

describe('rules in vigil.yaml', () => {
  it('reads a rule with its defaults and the webhook secret from the environment', () => {
    const cfg = load(GOOD, { RETRAIN_SECRET: 's3cret' })
    expect(cfg.rules).toEqual([
      {
        name: 'amount-drift',
        model: 'fraud-detector',
        family: 'drift',
        metric: 'psi',
        feature: 'amount',
        condition: { op: '>', value: 0.2 },
        for: 2,
        min_samples: 500,
        min_label_coverage: 0,
        severity: 'critical',
        notify: ['slack:#ml-alerts', 'email:oncall@example.com'],
        retrain: 'retrain-fraud',
        labels: {},
        runbook: 'https://runbooks.example.com/drift',
      },
    ])
    expect(cfg.alerting.repeat_interval).toBe(7_200_000)
    expect(cfg.alerting.webhooks['retrain-fraud']).toMatchObject({
      kind: 'retrain',
      secret: 's3cret',
      cooldown: 86_400_000,
    })
  })

  it('reports a bad condition, metric and target at their lines', () => {
    const text = GOOD.replace('"> 0.2"', '"above 0.2"')
      .replace('drift.psi', 'drift.pis')
      .replace('email:oncall@example.com', 'pager:me')
    const found = problems(text)
    expect(found).toContainEqual(expect.stringMatching(/^13 rules\[0\]\.when: a condition/))
    expect(found).toContainEqual(
      expect.stringMatching(/^11 rules\[0\]\.metric: family\.metric, one of: drift\.psi/),
    )
    expect(found).toContainEqual(expect.stringMatching(/^17 rules\[0\].notify\[1\]: a target/))
  })

  it('refuses a reference to a webhook that is not there, or not for retraining', () => {
    expect(problems(GOOD.replace('retrain: retrain-fraud', 'retrain: nope'))).toEqual([
      '18 rules[0].retrain: no webhook nope in alerting.webhooks',
    ])
    expect(problems(GOOD.replace('kind: retrain', 'kind: notify'))).toEqual([
      '18 rules[0].retrain: webhook retrain-fraud is not of kind retrain',
    ])
  })

  it('refuses two rules with one name', () => {
    const twice = GOOD + GOOD.slice(GOOD.indexOf('  - name')).replace('rules:\n', '')
    expect(problems(twice)).toEqual(['20 rules[1].name: a second rule named amount-drift'])
  })
})
