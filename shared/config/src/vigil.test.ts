import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ConfigError } from './errors.js'
import { explainModel, featureThresholds, modelConfig } from './models.js'
import { explainConfig, loadVigilConfig } from './vigil.js'

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
      cloudevents: 'vigil.cloudevents',
    })
    expect(cfg.clickhouse.url).toBeUndefined()
    expect(cfg.clickhouse.data_dir).toMatch(/data\/clickhouse$/)
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

  it('refuses more in-sync replicas than replicas, with its line', () => {
    const cwd = withFile('kafka:\n  replication_factor: 3\n  min_insync_replicas: 4\n')
    expect(problems(() => loadVigilConfig({ env: {}, cwd }))).toEqual([
      '3 kafka.min_insync_replicas: 4 is more than the replication factor 3: no write could ever succeed',
    ])
    const ok = loadVigilConfig({
      env: {},
      cwd: withFile('kafka:\n  replication_factor: 3\n  min_insync_replicas: 2\n'),
    })
    expect(ok.kafka.min_insync_replicas).toBe(2)
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
      window: 600_000,
      allowed_lateness: 90_000,
      features: { zip: 'categorical' },
      drift: { wasserstein_norm: 0.2, jensen_shannon: 0.1 },
      reference: { kind: 'baseline' },
    })
    expect(modelConfig(cfg, 'other')).toMatchObject({ window: 600_000, allowed_lateness: 300_000 })
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

describe("a model's ingest mapping", () => {
  it('is read as written, and replaces the mapping of "*" whole', () => {
    const cwd = withFile(
      [
        'models:',
        '  "*":',
        '    ingest: { format: kserve-v1, value: { output: prediction } }',
        '  iris:',
        '    ingest:',
        '      format: oip-v2',
        '      columns: [sepal_length, sepal_width]',
        '      label: { output: predict }',
        '',
      ].join('\n'),
    )
    const cfg = loadVigilConfig({ env: {}, cwd })
    expect(modelConfig(cfg, 'iris').ingest).toEqual({
      format: 'oip-v2',
      columns: ['sepal_length', 'sepal_width'],
      label: { output: 'predict' },
    })
    expect(modelConfig(cfg, 'other').ingest?.format).toBe('kserve-v1')
  })

  it('refuses a mapping that names no output, or an unknown format, with its line', () => {
    const cwd = withFile('models:\n  m:\n    ingest:\n      format: oip-v2\n')
    expect(problems(() => loadVigilConfig({ env: {}, cwd }))).toEqual([
      '3 models.m.ingest: ingest names no output: set at least one of label, score, probabilities, value',
    ])
    const bad = withFile('models:\n  m:\n    ingest:\n      format: torchserve\n      label: { output: y }\n')
    expect(problems(() => loadVigilConfig({ env: {}, cwd: bad }))[0]).toMatch(
      /^4 models\.m\.ingest\.format: /,
    )
  })

  it('takes pair_by as a logged header, an extension or a JSON pointer, and says when it is none', () => {
    const pairBy = (v: string) =>
      withFile(
        `models:\n  m:\n    ingest:\n      format: oip-v2\n      label: { output: y }\n      pair_by: ${v}\n`,
      )
    const cfg = loadVigilConfig({ env: {}, cwd: pairBy('{ pointer: /id }') })
    expect(modelConfig(cfg, 'm').ingest?.pair_by).toEqual({ pointer: '/id' })
    expect(problems(() => loadVigilConfig({ env: {}, cwd: pairBy('{ pointer: id }') }))[0]).toMatch(
      /^6 models\.m\.ingest\.pair_by/,
    )
  })

  it('reads Seldon Core 2 topics only with the Open Inference Protocol, and a namespace Kubernetes allows', () => {
    const seldon = (format: string, namespace: string) =>
      withFile(
        `models:\n  m:\n    ingest:\n      format: ${format}\n      label: { output: y }\n      seldon: { namespace: ${namespace} }\n`,
      )
    const cfg = loadVigilConfig({ env: {}, cwd: seldon('oip-v2', 'seldon-mesh') })
    expect(modelConfig(cfg, 'm').ingest?.seldon).toEqual({ namespace: 'seldon-mesh', prefix: 'seldon' })
    expect(problems(() => loadVigilConfig({ env: {}, cwd: seldon('kserve-v1', 'seldon-mesh') }))).toEqual([
      "4 models.m.ingest.format: Seldon Core 2's topics carry Open Inference Protocol v2: set format: oip-v2",
    ])
    expect(problems(() => loadVigilConfig({ env: {}, cwd: seldon('oip-v2', 'Seldon_Mesh') }))).toEqual([
      '6 models.m.ingest.seldon.namespace: a Kubernetes namespace',
    ])
  })
})

describe('model settings merge per field: built-in ← "*" ← model ← feature', () => {
  const file = [
    'models:',
    '  "*":',
    '    window: 10m',
    '    idle_timeout: 30s',
    '    drift: { p_value: 0.01, jensen_shannon: 0.2, features: { amount: { small_sample: 50 } } }',
    '    features: { zip: categorical }',
    '    sensitive_attributes: { gender: { reference_group: m } }',
    '  m1:',
    '    allowed_lateness: 1m',
    '    drift:',
    '      wasserstein_norm: 0.3',
    '      features:',
    '        amount: { p_value: 0.001 }',
    '        age: { jensen_shannon: 0.5 }',
    '    features: { country: categorical }',
    '    reference: { kind: previous }',
    '  m2:',
    '    window: 1h',
    '    reference: { kind: range, from: "2026-11-01T00:00:00Z", to: "2026-11-02T00:00:00Z" }',
  ].join('\n')
  const cfg = loadVigilConfig({ env: {}, cwd: withFile(`${file}\n`) })

  // Each row: model, setting, expected value, where it comes from.
  const table: [string, (m: ReturnType<typeof modelConfig>) => unknown, unknown][] = [
    // built-in
    ['other', (m) => m.allowed_lateness, 300_000],
    ['other', (m) => m.drift.small_sample, 1000],
    ['other', (m) => m.drift.wasserstein_norm, 0.1],
    ['other', (m) => m.reference, { kind: 'baseline' }],
    // "*" over built-in
    ['other', (m) => m.window, 600_000],
    ['other', (m) => m.idle_timeout, 30_000],
    ['other', (m) => m.drift.p_value, 0.01],
    ['other', (m) => m.drift.jensen_shannon, 0.2],
    ['other', (m) => m.features, { zip: 'categorical' }],
    // the model over "*", and "*" kept where the model is silent (the bug this fixes)
    ['m1', (m) => m.window, 600_000],
    ['m1', (m) => m.allowed_lateness, 60_000],
    ['m1', (m) => m.drift.wasserstein_norm, 0.3],
    ['m1', (m) => m.drift.p_value, 0.01],
    ['m1', (m) => m.drift.jensen_shannon, 0.2],
    ['m1', (m) => m.drift.small_sample, 1000],
    ['m1', (m) => m.features, { zip: 'categorical', country: 'categorical' }],
    ['m1', (m) => m.sensitive_attributes, { gender: { reference_group: 'm' } }],
    ['m1', (m) => m.reference, { kind: 'previous' }],
    ['m2', (m) => m.window, 3_600_000],
    ['m2', (m) => m.idle_timeout, 30_000],
    ['m2', (m) => m.reference, { kind: 'range', from: Date.UTC(2026, 10, 1), to: Date.UTC(2026, 10, 2) }],
    // features over their model: per-feature thresholds of "*" and of the model merge too
    [
      'm1',
      (m) => featureThresholds(m, 'amount'),
      { small_sample: 50, p_value: 0.001, wasserstein_norm: 0.3, jensen_shannon: 0.2 },
    ],
    [
      'm1',
      (m) => featureThresholds(m, 'age'),
      { small_sample: 1000, p_value: 0.01, wasserstein_norm: 0.3, jensen_shannon: 0.5 },
    ],
    [
      'm1',
      (m) => featureThresholds(m, 'zip'),
      { small_sample: 1000, p_value: 0.01, wasserstein_norm: 0.3, jensen_shannon: 0.2 },
    ],
    [
      'm2',
      (m) => featureThresholds(m, 'amount'),
      { small_sample: 50, p_value: 0.01, wasserstein_norm: 0.1, jensen_shannon: 0.2 },
    ],
  ]
  it.each(table.map(([model, get, want], i) => ({ i, model, get, want })))(
    'row $i: $model',
    ({ model, get, want }) => {
      expect(get(modelConfig(cfg, model))).toEqual(want)
    },
  )

  it('one threshold set on a model keeps every threshold "*" sets (not the built-in defaults)', () => {
    const c = loadVigilConfig({
      env: {},
      cwd: withFile(
        'models:\n  "*":\n    drift: { p_value: 0.001, jensen_shannon: 0.3 }\n  m1:\n    drift: { features: { amount: { p_value: 0.2 } } }\n',
      ),
    })
    expect(modelConfig(c, 'm1').drift).toMatchObject({ p_value: 0.001, jensen_shannon: 0.3 })
    expect(featureThresholds(modelConfig(c, 'm1'), 'amount').p_value).toBe(0.2)
  })

  it('says where each setting of a model comes from', () => {
    const rows = Object.fromEntries(explainModel(cfg, 'm1').map((s) => [s.path, [s.value, s.source]]))
    expect(rows.window).toEqual([600_000, '"*"'])
    expect(rows.allowed_lateness).toEqual([60_000, 'model'])
    expect(rows['drift.small_sample']).toEqual([1000, 'default'])
    expect(rows['drift.wasserstein_norm']).toEqual([0.3, 'model'])
    expect(rows['drift.features.amount.small_sample']).toEqual([50, '"*"'])
    expect(rows['drift.features.amount.p_value']).toEqual([0.001, 'model'])
    expect(rows['drift.features.amount.jensen_shannon']).toEqual([0.2, '"*"'])
    expect(rows['drift.features.age.small_sample']).toEqual([1000, 'default'])
    expect(rows.reference).toEqual([{ kind: 'previous' }, 'model'])
    expect(rows['features.zip']).toEqual(['categorical', '"*"'])
  })

  it('says where each process setting comes from, and never shows a secret', () => {
    const cwd = withFile(
      'kafka:\n  partitions: 6\nalerting:\n  webhooks:\n    r: { url: "https://x.example/h", secret_env: HOOK_SECRET }\n',
    )
    const { settings } = explainConfig({
      env: {
        KAFKA_BROKERS: 'b:2',
        CLICKHOUSE_PASSWORD: 'pw-123',
        SLACK_TOKEN: 'xoxb-secret',
        HOOK_SECRET: 'hs-1',
      },
      cwd,
    })
    const rows = Object.fromEntries(settings.map((s) => [s.path, [s.value, s.source]]))
    expect(rows['kafka.brokers']).toEqual([['b:2'], 'environment'])
    expect(rows['kafka.partitions']).toEqual([6, 'file'])
    expect(rows['kafka.client_id']).toEqual(['vigil', 'default'])
    expect(rows['clickhouse.password']).toEqual(['(set)', 'default'])
    expect(rows['alerting.slack.token (SLACK_TOKEN)']).toEqual(['(set)', 'environment'])
    expect(rows['alerting.webhooks.r.secret (HOOK_SECRET)']).toEqual(['(set)', 'environment'])
    expect(rows['alerting.webhooks.r.url']).toEqual(['https://x.example/h', 'file'])
    expect(JSON.stringify(settings)).not.toMatch(/pw-123|xoxb-secret|hs-1/)
  })
})
