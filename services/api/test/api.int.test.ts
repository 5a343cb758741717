import {
  ALERT_HISTORY,
  ALERTS,
  DRIFT_PARTIALS,
  DRIFT_WINDOWS,
  insertRows,
  NOTIFICATIONS,
  PERFORMANCE_WINDOWS,
  QUALITY_WINDOWS,
  queryRows,
  toClickHouseTime,
} from '@vigil/clickhouse'
import { signedChartUrl } from '@vigil/events'
import { createRecorder } from '@vigil/recorder'
import {
  listeningPort,
  makeLabel,
  makePrediction,
  readTopic,
  recorderCaughtUp,
  startServices,
  waitFor,
} from '@vigil/testing'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { createApi } from '../src/service.js'
import { openApiChecker } from './openapi-check.js'

const cleanup: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f()
})

// Which described operations the tests' answers were checked against: all of them by the end.
const seen = new Set<string>()
let documented: string[] = []
afterAll(() => {
  expect(documented.filter((op) => !seen.has(op))).toEqual([])
})

async function setup(maxBody = 1_000_000) {
  const yaml = `api:
  port: 0
  max_body_bytes: ${maxBody}
  tokens:
    - { name: model-service, token_env: API_TOKEN_INGEST, scopes: [ingest] }
    - { name: dashboard, token_env: API_TOKEN_READ, scopes: [read] }
    - { name: operator, token_env: API_TOKEN_ADMIN, scopes: [admin] }
  sql: { max_rows: 5, max_seconds: 1 }
models:
  fraud: { window: 1h, positive_class: fraud }
rules:
  - { name: drift, model: fraud, metric: drift.psi, feature: "*", when: "> 0.2", notify: ["slack:#ml"] }
`
  const started = await startServices('api', yaml, [createRecorder, createApi], {
    API_TOKEN_INGEST: 'ingest-token-0123456789',
    API_TOKEN_READ: 'read-token-0123456789',
    API_TOKEN_ADMIN: 'admin-token-0123456789',
    VIGIL_LINK_SECRET: LINK_SECRET,
  })
  cleanup.push(() => started.proc.stop())
  const port = listeningPort(started.proc, 'api')
  const base = `http://127.0.0.1:${port}`
  // Every JSON answer of every test below is checked against the API's own /openapi.json.
  const described = await openApiChecker(base)
  documented = described.operations()
  const checked = async (method: string, path: string, res: Response) => {
    const text = await res.clone().text()
    if ((res.headers.get('content-type') ?? '').includes('json') && res.status < 300)
      seen.add(described.check(method, path, res.status, JSON.parse(text)))
    else if ((res.headers.get('content-type') ?? '').includes('json'))
      described.check(method, path, res.status, JSON.parse(text))
    return res
  }
  const post = async (path: string, body: string, token?: string, contentType = 'application/x-ndjson') =>
    checked(
      'POST',
      path,
      await fetch(`${base}${path}`, {
        method: 'POST',
        headers: {
          'content-type': contentType,
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body,
      }),
    )
  const call = async (method: string, path: string, token: string, body?: unknown) => {
    const res = await checked(
      method,
      path,
      await fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      }),
    )
    return { status: res.status, body: (await res.json()) as Record<string, unknown> }
  }
  const get = (path: string) => call('GET', path, READ)
  return { ...started, base, post, call, get }
}

const READ = 'read-token-0123456789'
const LINK_SECRET = 'link-secret-0123456789'
const ADMIN = 'admin-token-0123456789'
const T0 = Date.UTC(2026, 10, 24, 8)
const at = (h: number) => toClickHouseTime(T0 + h * 3_600_000)
/** A drift row of fraud v1 in window h. */
const driftRow = (h: number, feature: string, metric: string, value: number, drifted: number) => ({
  model_id: 'fraud',
  model_version: 'v1',
  window_start: at(h),
  window_end: at(h + 1),
  feature,
  feature_type: 'numerical',
  metric,
  value,
  drifted,
  n_reference: 1000,
  n_current: 500,
  reference: 'baseline:*',
  version: 1,
})
/** fraud's drift alert on amount, firing since window h. */
const firingAlert = (h: number, value: number) => ({
  alert_key: 'drift|fraud|v1|amount',
  rule: 'drift',
  model_id: 'fraud',
  model_version: 'v1',
  subject: 'amount',
  status: 'firing',
  severity: 'critical',
  value,
  window_start: at(h),
  episode: 'e1',
  since: at(h),
  state: '{}',
  seq: 1,
})

describe('HTTP API on the real broker and embedded ClickHouse', () => {
  it('ingests NDJSON and JSON arrays: valid events reach ClickHouse, invalid ones are named', async () => {
    const { config, proc, kafka, post } = await setup()
    const ndjson = [0, 1, 2].map((i) => JSON.stringify(makePrediction(i))).join('\n')
    const res = await post('/v1/predictions', `${ndjson}\n{"schema_version": 1}\n`, 'ingest-token-0123456789')
    expect(res.status).toBe(200)
    const body = (await res.json()) as { accepted: number; rejected: { index: number; reason: string }[] }
    expect(body.accepted).toBe(3)
    expect(body.rejected).toHaveLength(1)
    expect(body.rejected[0]).toMatchObject({
      index: 3,
      reason: expect.stringMatching(/missing required field/),
    })

    const labels = await post(
      '/v1/labels',
      JSON.stringify([makeLabel(0), makeLabel(1)]),
      'ingest-token-0123456789',
    )
    expect(await labels.json()).toEqual({ accepted: 2, rejected: [] })

    expect(await recorderCaughtUp({ config, kafka })).toBe(true)
    const rows = await queryRows<{ t: string; n: number | string }>(
      proc.deps.ch,
      `SELECT 'predictions' AS t, count() AS n FROM {db:Identifier}.predictions
       UNION ALL SELECT 'labels' AS t, count() AS n FROM {db:Identifier}.labels`,
    )
    expect(rows.map((r) => [r.t, Number(r.n)]).sort()).toEqual([
      ['labels', 2],
      ['predictions', 3],
    ])
  })

  it('takes serving CloudEvents (structured mode) onto vigil.cloudevents, refusing other types', async () => {
    const { config, kafka, post } = await setup()
    const event = {
      specversion: '1.0',
      id: 'ce-1',
      source: 'http://iris-predictor',
      type: 'org.kubeflow.serving.inference.request',
      inferenceservicename: 'iris',
      datacontenttype: 'application/json',
      data: { instances: [[1, 2]] },
    }
    const ce = 'application/cloudevents+json'
    const ok = await post('/v1/cloudevents', JSON.stringify(event), 'ingest-token-0123456789', ce)
    expect(ok.status).toBe(202)
    expect(await ok.json()).toEqual({ accepted: 1 })
    const [message] = await readTopic(kafka, config.kafka.topics.cloudevents, 1)
    expect(JSON.parse(String(message!.value))).toMatchObject({ id: 'ce-1', data: { instances: [[1, 2]] } })
    const other = await post(
      '/v1/cloudevents',
      JSON.stringify({ ...event, type: 'x.y' }),
      'ingest-token-0123456789',
      ce,
    )
    expect(other.status).toBe(400)
    expect(((await other.json()) as { error: string }).error).toMatch(/unknown CloudEvents type x\.y/)
  })

  it('answers what is wrong: no token 401, wrong scope 403, too big 413, nothing valid 400', async () => {
    const { post } = await setup(2_000)
    const event = JSON.stringify(makePrediction(0))
    const cases: [Response, number, RegExp][] = [
      [await post('/v1/predictions', event), 401, /missing bearer token/],
      [await post('/v1/predictions', event, 'guess'), 401, /unknown bearer token/],
      [
        await post('/v1/predictions', event, 'read-token-0123456789'),
        403,
        /"dashboard" lacks the ingest scope/,
      ],
      [
        await post('/v1/predictions', `${event}\n`.repeat(20), 'ingest-token-0123456789'),
        413,
        /over 2000 bytes/,
      ],
      [
        await post('/v1/predictions', '{"nope": 1}', 'ingest-token-0123456789'),
        400,
        /no valid prediction event/,
      ],
      [await post('/v1/predictions', '[1, 2', 'ingest-token-0123456789'), 400, /invalid JSON/],
      [await post('/v1/nothing', '', 'ingest-token-0123456789'), 404, /no route POST \/v1\/nothing/],
    ]
    for (const [res, status, error] of cases) {
      expect(res.status).toBe(status)
      expect(((await res.json()) as { error: string }).error).toMatch(error)
    }
  })

  it('reads windows with filters, the latest version of each window only', async () => {
    const { proc, get } = await setup()
    const { ch } = proc.deps
    const perf = (h: number, version: number, metric: string, value: number) => ({
      model_id: 'fraud',
      model_version: 'v1',
      window_start: at(h),
      window_end: at(h + 1),
      task: 'binary',
      class: '',
      metric,
      value,
      n_predictions: 100,
      n_labelled: version,
      label_coverage: version / 100,
      version,
    })
    // Window 0 re-published with more labels: version 40 replaces version 10, also its roc_auc row.
    await insertRows(ch, PERFORMANCE_WINDOWS, [
      perf(0, 10, 'accuracy', 0.5),
      perf(0, 10, 'roc_auc', 0.6),
      perf(0, 40, 'accuracy', 0.8),
      perf(1, 20, 'accuracy', 0.7),
    ])
    await insertRows(ch, DRIFT_WINDOWS, [
      driftRow(0, 'amount', 'psi', 0.05, 0),
      driftRow(1, 'amount', 'psi', 0.4, 1),
      driftRow(1, 'age', 'psi', 0.01, 0),
    ])

    const all = await get('/v1/windows/performance?model=fraud')
    expect(all.status).toBe(200)
    expect(all.body.truncated).toBe(false)
    expect(
      (all.body.data as Record<string, unknown>[]).map((r) => [r.window_start, r.metric, r.value, r.version]),
    ).toEqual([
      ['2026-11-24T08:00:00.000Z', 'accuracy', 0.8, 40],
      ['2026-11-24T09:00:00.000Z', 'accuracy', 0.7, 20],
    ])
    const amount = await get(
      `/v1/windows/drift?model=fraud&feature=amount&metric=psi&from=${encodeURIComponent('2026-11-24T09:00:00Z')}`,
    )
    expect(amount.body.data).toEqual([
      expect.objectContaining({
        window_start: '2026-11-24T09:00:00.000Z',
        feature: 'amount',
        value: 0.4,
        drifted: true,
        n_current: 500,
      }),
    ])
    const limited = await get('/v1/windows/drift?limit=2')
    expect(limited.body).toMatchObject({ truncated: true })
    expect(limited.body.data).toHaveLength(2)
    expect((await get('/v1/windows/fairness?model=nobody&attribute=gender&group=f')).body).toEqual({
      data: [],
      truncated: false,
    })
  })

  it("gives the fleet at a glance and a feature's reference and current distribution in a window", async () => {
    const { proc, call, get } = await setup()
    const { ch } = proc.deps
    const key = (version: string, h: number) => ({
      model_id: 'fraud',
      model_version: version,
      window_start: at(h),
      window_end: at(h + 1),
    })
    // Two versions share window 1 (a canary): their traffic adds up, accuracy pools by labels.
    await insertRows(ch, QUALITY_WINDOWS, [
      ...[0, 1, 2].map((h) => ({
        ...key('v1', h),
        feature: '__model__',
        metric: 'count',
        value: 300,
        version: 1,
      })),
      { ...key('v2', 1), feature: '__model__', metric: 'count', value: 100, version: 1 },
    ])
    const drift = (
      version: string,
      h: number,
      feature: string,
      metric: string,
      value: number,
      drifted: number,
    ) => ({
      ...key(version, h),
      feature,
      feature_type: feature === '__model__' ? '' : 'numerical',
      metric,
      value,
      drifted,
      n_reference: 50,
      n_current: 300,
      reference: 'baseline:*',
      version: 1,
    })
    await insertRows(ch, DRIFT_WINDOWS, [
      drift('v1', 1, 'amount', 'psi', 0.05, 0),
      drift('v1', 1, '__model__', 'drift_share', 0, 0),
      drift('v1', 2, 'amount', 'psi', 0.9, 1),
      drift('v1', 2, 'amount', 'ks', 0.5, 1),
      drift('v1', 2, '__model__', 'drift_share', 0.5, 1),
    ])
    const perf = (version: string, h: number, value: number, labelled: number, predictions: number) => ({
      ...key(version, h),
      task: 'binary',
      class: '',
      metric: 'accuracy',
      value,
      n_predictions: predictions,
      n_labelled: labelled,
      label_coverage: labelled / predictions,
      version: labelled,
    })
    await insertRows(ch, PERFORMANCE_WINDOWS, [perf('v1', 1, 0.9, 150, 300), perf('v2', 1, 0.6, 50, 100)])
    await insertRows(ch, ALERTS, [firingAlert(2, 0.9)])
    const fleet = await get('/v1/fleet?windows=2')
    expect(fleet.status).toBe(200)
    expect(fleet.body.data).toEqual([
      {
        model_id: 'fraud',
        window_ms: 3_600_000,
        last_event: null,
        firing_alerts: 1,
        windows: [
          {
            window_start: '2026-11-24T09:00:00.000Z',
            predictions: 400,
            drift_share: 0,
            drifted_features: 0,
            performance_metric: 'accuracy',
            performance: expect.closeTo((0.9 * 150 + 0.6 * 50) / 200, 12),
            label_coverage: 0.5,
          },
          {
            window_start: '2026-11-24T10:00:00.000Z',
            predictions: 300,
            drift_share: 0.5,
            drifted_features: 1,
            performance_metric: null,
            performance: null,
            label_coverage: null,
          },
        ],
      },
    ])

    // The baseline's deciles of 0..49, and window 2's partials counted over them by two batches.
    const rows = Array.from({ length: 50 }, (_, i) => JSON.stringify({ amount: i }))
    expect((await call('POST', '/v1/models/fraud/baselines', ADMIN, rows.join('\n'))).status).toBe(201)
    const partial = (first: number, bins: number[]) => ({
      ...key('v1', 2),
      baseline: 'baseline:*',
      kafka_topic: 'vigil.predictions',
      kafka_partition: 0,
      first_offset: first,
      last_offset: first + 149,
      events: 150,
      'features.name': ['amount'],
      'features.type': ['numerical'],
      'features.count': [150],
      'features.type_mismatches': [0],
      'features.out_of_range': [0],
      'features.sum': [0],
      'features.sum_squares': [0],
      'features.min': [0],
      'features.max': [100],
      'features.bins': [bins],
      'features.categories': [{}],
      'features.sample_hashes': [[1]],
      'features.sample_values': [[99]],
    })
    await insertRows(ch, DRIFT_PARTIALS, [
      partial(0, [0, 0, 0, 0, 0, 0, 0, 0, 0, 150]),
      partial(150, [10, 0, 0, 0, 0, 0, 0, 0, 0, 140]),
    ])
    const d = await get('/v1/models/fraud/distribution?feature=amount&window=2026-11-24T10:00:00Z')
    expect(d.status).toBe(200)
    expect(d.body).toMatchObject({
      model_id: 'fraud',
      model_version: 'v1',
      window_start: '2026-11-24T10:00:00.000Z',
      reference: 'baseline:*',
      n_reference: 50,
      n_current: 300,
      current_from: 'bins',
      distribution: { kind: 'numerical', current: [10, 0, 0, 0, 0, 0, 0, 0, 0, 290] },
    })
    const ref = (d.body.distribution as { reference: number[] }).reference
    expect(ref.reduce((a, b) => a + b, 0)).toBe(50)
    const none = await get('/v1/models/fraud/distribution?feature=amount&window=2026-11-24T08:00:00Z')
    expect(none.status).toBe(404)
    expect(none.body.error).toMatch(
      /no drift of fraud feature "amount" in the window starting 2026-11-24T08:00:00.000Z/,
    )
  })

  it('lists models, alerts now and their history, notifications and rules', async () => {
    const { proc, base, post, get } = await setup()
    const { ch } = proc.deps
    const res = await post(
      '/v1/predictions',
      JSON.stringify(makePrediction(0, { model_id: 'fraud' })),
      'ingest-token-0123456789',
    )
    expect(res.status).toBe(200)
    await insertRows(ch, ALERTS, [
      firingAlert(1, 0.4),
      {
        alert_key: 'drift|fraud|v1|age',
        rule: 'drift',
        model_id: 'fraud',
        model_version: 'v1',
        subject: 'age',
        status: 'inactive',
        severity: 'critical',
        value: 0.01,
        window_start: at(1),
        episode: '',
        since: null,
        state: '{}',
        seq: 1,
      },
    ])
    await insertRows(ch, ALERT_HISTORY, [
      {
        alert_key: 'drift|fraud|v1|amount',
        rule: 'drift',
        model_id: 'fraud',
        model_version: 'v1',
        subject: 'amount',
        transition: 'firing',
        status: 'firing',
        severity: 'critical',
        value: 0.4,
        episode: 'e1',
        window_start: at(1),
        window_end: at(2),
      },
      {
        alert_key: 'drift|fraud|v1|amount',
        rule: 'drift',
        model_id: 'fraud',
        model_version: 'v1',
        subject: 'amount',
        transition: 'pending',
        status: 'pending',
        severity: 'critical',
        value: 0.3,
        episode: '',
        window_start: at(0),
        window_end: at(1),
      },
    ])
    await insertRows(ch, NOTIFICATIONS, [
      {
        id: 'n1',
        channel: 'slack',
        target: '#ml',
        kind: 'firing',
        model_id: 'fraud',
        window_start: at(1),
        payload: JSON.stringify({ alerts: [{ rule: 'drift', subject: 'amount' }] }),
        status: 'delivered',
        attempts: 1,
        next_attempt_at: at(2),
        last_error: '',
        result: '',
        seq: 2,
        created_at: at(2),
        kafka_partition: 0,
      },
    ])

    const firing = await get('/v1/alerts')
    expect(firing.body.data).toEqual([
      expect.objectContaining({
        rule: 'drift',
        subject: 'amount',
        status: 'firing',
        since: '2026-11-24T09:00:00.000Z',
        episode: 'e1',
      }),
    ])
    expect((await get('/v1/alerts?status=all')).body.data).toHaveLength(2)
    const history = await get('/v1/alerts/history?model=fraud')
    expect((history.body.data as { transition: string }[]).map((r) => r.transition)).toEqual([
      'firing',
      'pending',
    ])
    const episode = await get('/v1/alerts/history?episode=e1')
    expect((episode.body.data as { transition: string }[]).map((r) => r.transition)).toEqual(['firing'])
    await insertRows(ch, DRIFT_WINDOWS, [
      driftRow(0, 'amount', 'psi', 0.05, 0),
      driftRow(1, 'amount', 'psi', 0.4, 1),
    ])
    const opened = await get('/v1/alerts/episodes/e1')
    expect(opened.body).toMatchObject({
      episode: 'e1',
      rule: 'drift',
      model_id: 'fraud',
      status: 'firing',
      metric: 'drift.psi',
      condition: '> 0.2',
      subjects: ['amount'],
      window_ms: 3_600_000,
      fired_window: '2026-11-24T09:00:00.000Z',
      chart: {
        thresholds: [0.2],
        series: [
          {
            subject: 'amount',
            points: [
              { window_start: '2026-11-24T08:00:00.000Z', value: 0.05 },
              { window_start: '2026-11-24T09:00:00.000Z', value: 0.4 },
            ],
          },
        ],
      },
    })
    expect((await get('/v1/alerts/episodes/0000')).status).toBe(404)
    // Its chart: with a token, or by the signed link a webhook carries, without one.
    const png = async (path: string, headers: Record<string, string> = {}) => {
      const res = await fetch(`${base}${path}`, { headers })
      return {
        status: res.status,
        type: res.headers.get('content-type'),
        body: Buffer.from(await res.arrayBuffer()),
      }
    }
    const withToken = await png('/v1/alerts/episodes/e1/chart.png', { authorization: `Bearer ${READ}` })
    expect(withToken.type).toBe('image/png')
    expect(withToken.body.subarray(1, 4).toString()).toBe('PNG')
    expect(withToken.body.readUInt32BE(16)).toBe(1280)
    const link = new URL(signedChartUrl(base, LINK_SECRET, 'e1'))
    expect((await png(link.pathname + link.search)).status).toBe(200)
    expect((await png(`${link.pathname}?sig=${'0'.repeat(32)}`)).status).toBe(403)
    expect((await png(link.pathname)).status).toBe(401)
    expect((await png(new URL(signedChartUrl(base, LINK_SECRET, 'e2')).pathname + link.search)).status).toBe(
      403,
    )
    const notes = await get('/v1/notifications?channel=slack')
    expect(notes.body.data).toEqual([
      expect.objectContaining({
        id: 'n1',
        status: 'delivered',
        attempts: 1,
        alerts: [{ rule: 'drift', subject: 'amount' }],
      }),
    ])
    // The recorder stores the posted prediction; the model shows with its settings from vigil.yaml.
    expect(
      await waitFor(
        async () =>
          ((await get('/v1/models')).body.data as unknown[]).length === 1 &&
          ((await get('/v1/models')).body.data as { predictions: number }[])[0]!.predictions === 1,
        30_000,
      ),
    ).toBe(true)
    expect((await get('/v1/models')).body.data).toEqual([
      expect.objectContaining({
        model_id: 'fraud',
        versions: ['v1'],
        predictions: 1,
        settings: expect.objectContaining({ window_ms: 3_600_000, positive_class: 'fraud' }),
      }),
    ])
    expect((await get('/v1/rules')).body.data).toEqual([
      expect.objectContaining({
        name: 'drift',
        metric: 'drift.psi',
        feature: '*',
        when: '> 0.2',
        notify: ['slack:#ml'],
      }),
    ])
    // Health answers and an empty family are described too.
    expect((await get('/healthz')).status).toBe(200)
    expect((await get('/readyz')).status).toBe(200)
    expect((await get('/v1/windows/quality?model=fraud')).body).toEqual({ data: [], truncated: false })
  })

  it('creates, lists and expires silences; stores an uploaded baseline', async () => {
    const { proc, call, get } = await setup()
    const created = await call('POST', '/v1/silences', ADMIN, {
      rule: 'drift',
      model: 'fraud',
      duration: '2h',
      comment: 'retraining',
      author: 'ana',
    })
    expect(created.status).toBe(201)
    expect(created.body).toMatchObject({
      rule: 'drift',
      model_id: 'fraud',
      subject: '*',
      active: true,
      author: 'ana',
    })
    const again = await call('POST', '/v1/silences', ADMIN, { rule: 'x', duration: '1h' })
    expect((await get('/v1/silences')).body.data).toHaveLength(2)
    expect((await call('POST', '/v1/silences', READ, { duration: '1h' })).status).toBe(403)
    const expired = await call('DELETE', `/v1/silences/${created.body.id}`, ADMIN)
    expect(expired.body).toMatchObject({ id: created.body.id, active: false })
    expect((await get('/v1/silences')).body.data).toEqual([expect.objectContaining({ id: again.body.id })])
    expect((await get('/v1/silences?all=true')).body.data).toHaveLength(2)
    expect((await call('DELETE', '/v1/silences/0123456789ab', ADMIN)).status).toBe(404)

    const rows = Array.from({ length: 50 }, (_, i) =>
      JSON.stringify({ amount: i, country: i % 2 ? 'DE' : 'FR', zip: 10000 + i }),
    )
    const upload = await call(
      'POST',
      '/v1/models/fraud/baselines?version=v2&type=zip%3Dcategorical',
      ADMIN,
      rows.join('\n'),
    )
    expect(upload).toEqual({
      status: 201,
      body: {
        model_id: 'fraud',
        version: 'v2',
        rows: 50,
        features: { amount: 'numerical', country: 'categorical', zip: 'categorical' },
      },
    })
    const stored = await queryRows<{ feature: string; feature_type: string; count: string }>(
      proc.deps.ch,
      "SELECT feature, feature_type, count FROM {db:Identifier}.baselines FINAL WHERE model_id = 'fraud' AND model_version = 'v2' ORDER BY feature",
    )
    expect(stored.map((r) => [r.feature, r.feature_type, Number(r.count)])).toEqual([
      ['amount', 'numerical', 50],
      ['country', 'categorical', 50],
      ['zip', 'categorical', 50],
    ])
    const bad = await call('POST', '/v1/models/fraud/baselines', ADMIN, '[{"amount": 1}, {"amount": [1]}]')
    expect(bad).toEqual({
      status: 400,
      body: { error: expect.stringMatching(/body:2: "amount" is an array/) },
    })
  })

  it('runs read-only SQL in the database with limits; writes, files and long queries are refused', async () => {
    const { call } = await setup()
    const sql = (query: string) => call('POST', '/v1/sql', READ, { query })
    // max_rows is 5 here: SHOW is cut too, and says so.
    const tables = await sql('SHOW TABLES')
    expect(tables.status).toBe(200)
    expect(tables.body).toMatchObject({
      truncated: true,
      rows: [{ name: 'alert_history' }, { name: 'alerts' }, {}, {}, {}],
    })
    const numbers = await sql('SELECT number AS n FROM system.numbers LIMIT 100')
    expect(numbers.body).toMatchObject({ columns: [{ name: 'n', type: 'UInt64' }], truncated: true })
    expect(numbers.body.rows).toHaveLength(5)
    const counted = await sql('SELECT count() AS n FROM predictions')
    expect(counted.body).toMatchObject({ rows: [{ n: 0 }], truncated: false })
    const refusals: [string, RegExp][] = [
      ['INSERT INTO predictions (model_id) VALUES (1)', /only read queries/],
      ['SELECT 1; DROP TABLE predictions', /one statement/],
      ["SELECT 1 INTO OUTFILE '/tmp/vigil-sql-test'", /INTO OUTFILE/],
      ["SELECT * FROM file('/etc/hostname', 'LineAsString')", /readonly/i],
      // Table functions that reach outside (SSRF, commands) are refused by readonly = 1.
      ["SELECT * FROM url('http://169.254.169.254/latest/meta-data', 'LineAsString')", /readonly/i],
      ["SELECT * FROM remote('127.0.0.1:9000', system.one)", /readonly/i],
      ["SELECT * FROM executable('ls', 'TSV', 'x String')", /readonly/i],
      ['SELECT sleepEachRow(0.5) FROM system.numbers LIMIT 10 ', /Timeout exceeded|TIMEOUT/i],
      ['SELECT * FROM no_such_table', /no_such_table/],
    ]
    for (const [query, reason] of refusals) {
      const r = await sql(query)
      expect(r.status, query).toBe(400)
      expect(r.body.error, query).toMatch(reason)
    }
    expect((await call('POST', '/v1/sql', 'ingest-token-0123456789', { query: 'SELECT 1' })).status).toBe(403)
  })
})
