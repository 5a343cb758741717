import { createTestTopics, freePort, makePrediction, testConfig, testKafka, waitFor } from '@vigil/testing'
import { CloudEvent, HTTP } from 'cloudevents'
import { ensureBroker, ms, peakRssMiB, quantile, report, startVigil } from './common.js'

const PAIRS = Number(process.env.BENCH_PAIRS ?? 20_000)
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 4)
const TOKEN = 'bench-token-0123456789'
const COLUMNS = Array.from({ length: 20 }, (_, j) => `f${j}`)

const stopBroker = ensureBroker()
const config = testConfig({ name: 'benchce' })
await createTestTopics(config)
const port = await freePort()
const server = startVigil(
  config,
  [
    'api:',
    `  port: ${port}`,
    '  tokens:',
    '    - { name: bench, token_env: API_TOKEN_BENCH, scopes: [ingest] }',
    'models:',
    '  iris:',
    `    ingest: { format: kserve-v1, columns: [${COLUMNS.join(', ')}], label: { output: prediction } }`,
    '',
  ].join('\n'),
  ['api', 'ingest'],
  { API_TOKEN_BENCH: TOKEN },
)
const base = `http://127.0.0.1:${port}`

/** Sends `requests` from CLIENTS concurrent clients: requests/s and each latency. */
async function load(requests: { path: string; headers: Record<string, string>; body: string }[]) {
  const latencies: number[] = []
  let next = 0
  const t0 = performance.now()
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      for (let i = next++; i < requests.length; i = next++) {
        const r = requests[i]!
        const t = performance.now()
        const res = await fetch(`${base}${r.path}`, {
          method: 'POST',
          headers: { ...r.headers, authorization: `Bearer ${TOKEN}` },
          body: r.body,
        })
        await res.arrayBuffer()
        if (res.status >= 300) throw new Error(`${r.path} answered ${res.status}`)
        latencies.push(performance.now() - t)
      }
    }),
  )
  return { seconds: (performance.now() - t0) / 1000, latencies }
}

async function topicEnd(topic: string): Promise<number> {
  const admin = testKafka(config).admin()
  await admin.connect()
  try {
    return (await admin.fetchTopicOffsets(topic)).reduce((s, p) => s + Number(p.high), 0)
  } finally {
    await admin.disconnect()
  }
}

function cloudEvents(): { path: string; headers: Record<string, string>; body: string }[] {
  const out: { path: string; headers: Record<string, string>; body: string }[] = []
  for (let i = 0; i < PAIRS; i++) {
    const features = COLUMNS.map((_, j) => ((i * 31 + j * 7) % 1000) / 10)
    for (const [half, data] of [
      ['request', { instances: [features] }],
      ['response', { predictions: [i % 3] }],
    ] as const) {
      const m = HTTP.binary(
        new CloudEvent({
          id: `ce-${i}`,
          source: 'http://iris-predictor.default',
          type: `org.kubeflow.serving.inference.${half}`,
          datacontenttype: 'application/json',
          inferenceservicename: 'iris',
          data,
        }),
      )
      out.push({
        path: '/v1/cloudevents',
        headers: m.headers as Record<string, string>,
        body: String(m.body),
      })
    }
  }
  return out
}

try {
  const up = await waitFor(
    async () => (await fetch(`${base}/readyz`).catch(() => undefined))?.status === 200,
    60_000,
  )
  if (!up) throw new Error('vigil did not become ready')
  const predictionsTopic = config.kafka.topics.predictions

  const before = await topicEnd(predictionsTopic)
  const t0 = performance.now()
  const ce = await load(cloudEvents())
  const published = await waitFor(
    async () => (await topicEnd(predictionsTopic)) - before >= PAIRS,
    300_000,
    250,
  )
  if (!published) throw new Error('the ingest service did not publish every prediction')
  // From the first request to the last prediction published by the ingest service.
  const endToEnd = (performance.now() - t0) / 1000

  const ndjson = (i: number) => JSON.stringify(makePrediction(i, { model_id: 'iris' }))
  const single = await load(
    Array.from({ length: PAIRS }, (_, i) => ({
      path: '/v1/predictions',
      headers: { 'content-type': 'application/x-ndjson' },
      body: ndjson(i),
    })),
  )
  const batched = await load(
    Array.from({ length: Math.ceil(PAIRS / 500) }, (_, b) => ({
      path: '/v1/predictions',
      headers: { 'content-type': 'application/x-ndjson' },
      body: Array.from({ length: Math.min(500, PAIRS - b * 500) }, (_, i) => ndjson(b * 500 + i)).join('\n'),
    })),
  )
  const rss = peakRssMiB(server.pid!)
  const rate = (n: number, s: number) => `${Math.round(n / s).toLocaleString('en')}/s`
  report(
    [
      [
        `CloudEvents, ${PAIRS} inferences (request + response, 20 features), ${CLIENTS} clients`,
        `${rate(2 * PAIRS, ce.seconds)} events`,
      ],
      ['  inferences paired and published (first request to last prediction)', rate(PAIRS, endToEnd)],
      [
        '  request latency p50 / p99',
        `${ms(quantile(ce.latencies, 0.5))} / ${ms(quantile(ce.latencies, 0.99))}`,
      ],
      [`POST /v1/predictions, one event per request`, `${rate(PAIRS, single.seconds)} events`],
      [
        '  request latency p50 / p99',
        `${ms(quantile(single.latencies, 0.5))} / ${ms(quantile(single.latencies, 0.99))}`,
      ],
      [`POST /v1/predictions, 500 events per request`, `${rate(PAIRS, batched.seconds)} events`],
      ['peak RSS of vigil (api + ingest)', `${Math.round(rss)} MiB`],
    ],
    {
      bench: 'cloudevents',
      pairs: PAIRS,
      cloudEventsPerSec: (2 * PAIRS) / ce.seconds,
      cloudEventsP99Ms: quantile(ce.latencies, 0.99),
      pairsPerSecEndToEnd: PAIRS / endToEnd,
      singlePerSec: PAIRS / single.seconds,
      singleP99Ms: quantile(single.latencies, 0.99),
      batchedPerSec: PAIRS / batched.seconds,
    },
  )
} finally {
  // vigil stops before the broker, so its shutdown finds the broker up.
  const exited = new Promise((r) => server.once('exit', r))
  server.kill('SIGTERM')
  await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))])
  stopBroker()
}
