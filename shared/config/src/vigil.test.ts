import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ConfigError } from './errors.js'
import { loadVigilConfig, modelConfig } from './vigil.js'

function withFile(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-config-'))
  writeFileSync(join(dir, 'vigil.yaml'), text)
  return dir
}

function problems(fn: () => unknown): string[] {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError)
    return (err as ConfigError).problems.map((p) => `${p.line ?? '-'} ${p.path}: ${p.reason}`)
  }
  throw new Error('expected a ConfigError')
}

describe('loadVigilConfig', () => {
  it('has working defaults without a file', () => {
    const cfg = loadVigilConfig({ env: {}, cwd: mkdtempSync(join(tmpdir(), 'vigil-empty-')) })
    expect(cfg.kafka.brokers).toEqual(['127.0.0.1:9092'])
    expect(cfg.kafka.topics).toEqual({
      predictions: 'vigil.predictions',
      labels: 'vigil.labels',
      dlq: 'vigil.dlq',
      metrics: 'vigil.metrics',
      alerts: 'vigil.alerts',
      outcomes: 'vigil.outcomes',
    })
    expect(cfg.clickhouse.url).toBeUndefined()
    expect(cfg.clickhouse.dataDir).toMatch(/data\/clickhouse$/)
  })

  it('reads ./vigil.yaml and lets the environment override it', () => {
    const cwd = withFile('kafka:\n  brokers: [a:1]\n  partitions: 6\nclickhouse:\n  database: dbx\n')
    const cfg = loadVigilConfig({ env: { KAFKA_BROKERS: 'b:2, c:3', KAFKA_TOPIC_PREFIX: 't1.' }, cwd })
    expect(cfg.kafka.brokers).toEqual(['b:2', 'c:3'])
    expect(cfg.kafka.partitions).toBe(6)
    expect(cfg.kafka.topics.dlq).toBe('t1.vigil.dlq')
    expect(cfg.clickhouse.database).toBe('dbx')
  })

  it('reports a wrong type with its line', () => {
    const cwd = withFile('kafka:\n  brokers: [a:1]\n  partitions: "many"\n')
    expect(problems(() => loadVigilConfig({ env: {}, cwd }))).toEqual([
      expect.stringMatching(/^3 kafka\.partitions: .*number/),
    ])
  })

  it('reports an unknown key at the key', () => {
    const cwd = withFile('kafka:\n  brokers: [a:1]\nclickhous:\n  url: http://x\n')
    expect(problems(() => loadVigilConfig({ env: {}, cwd }))).toEqual([
      '3 clickhous: unknown setting (clickhous)',
    ])
  })

  it('reports YAML syntax errors with their line', () => {
    const cwd = withFile('kafka:\n  brokers: [a:1\nhttp:\n  port: 1\n')
    const [p] = problems(() => loadVigilConfig({ env: {}, cwd }))
    expect(p).toMatch(/^\d+ : /)
  })

  it('reports a duplicate key', () => {
    const cwd = withFile('log_level: info\nlog_level: debug\n')
    expect(problems(() => loadVigilConfig({ env: {}, cwd }))[0]).toMatch(/^2 : .*unique/i)
  })

  it('names the environment variable that is wrong', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'vigil-env-'))
    expect(problems(() => loadVigilConfig({ env: { CLICKHOUSE_URL: 'not a url' }, cwd }))).toEqual([
      expect.stringMatching(/^- CLICKHOUSE_URL: /),
    ])
  })

  it('says which file cannot be read', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'vigil-missing-'))
    expect(problems(() => loadVigilConfig({ env: { VIGIL_CONFIG: 'nope.yaml' }, cwd }))[0]).toMatch(
      /cannot read/,
    )
  })
})

describe('models', () => {
  it('resolves a model through "*" and the defaults, with durations', () => {
    const cwd = withFile(
      'models:\n  "*":\n    window: 10m\n  fraud-detector:\n    allowed_lateness: 90s\n    features: { zip: categorical }\n    drift: { wasserstein_norm: 0.2 }\n',
    )
    const cfg = loadVigilConfig({ env: {}, cwd })
    expect(modelConfig(cfg, 'fraud-detector')).toMatchObject({
      windowMs: 600_000,
      allowedLatenessMs: 90_000,
      features: { zip: 'categorical' },
      drift: { wassersteinNorm: 0.2, jensenShannon: 0.1 },
      reference: { kind: 'baseline' },
    })
    expect(modelConfig(cfg, 'other')).toMatchObject({ windowMs: 600_000, allowedLatenessMs: 300_000 })
  })

  it('refuses a window outside 1 minute to 1 day, with its line', () => {
    const cwd = withFile('models:\n  m:\n    window: 2d\n')
    expect(problems(() => loadVigilConfig({ env: {}, cwd }))).toEqual([
      '3 models.m.window: must be between 1m and 1d',
    ])
  })

  it('refuses a bad duration', () => {
    const cwd = withFile('models:\n  m:\n    idle_timeout: soon\n')
    expect(problems(() => loadVigilConfig({ env: {}, cwd }))[0]).toMatch(
      /^3 models\.m\.idle_timeout: not a duration/,
    )
  })

  it('reads a time-range reference as epoch milliseconds', () => {
    const cwd = withFile(
      'models:\n  m:\n    reference:\n      kind: range\n      from: 2026-11-01T00:00:00Z\n      to: 2026-11-08T00:00:00+00:00\n',
    )
    expect(modelConfig(loadVigilConfig({ env: {}, cwd }), 'm').reference).toEqual({
      kind: 'range',
      from: Date.UTC(2026, 10, 1),
      to: Date.UTC(2026, 10, 8),
    })
  })

  it('refuses a range reference without an end, with its line', () => {
    const cwd = withFile(
      'models:\n  m:\n    reference:\n      kind: range\n      from: 2026-11-01T00:00:00Z\n',
    )
    expect(problems(() => loadVigilConfig({ env: {}, cwd }))).toEqual([
      '3 models.m.reference: a range reference needs from and to (RFC 3339), from before to',
    ])
  })
})
