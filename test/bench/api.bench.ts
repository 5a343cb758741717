// `npm run bench:api`: the HTTP ingest, with `vigil start api` in its own process on the real
// broker and embedded ClickHouse, and the load from this one.
//   BENCH_SQL_CONCURRENT sets the API's api.sql.max_concurrent.
//   (1) throughput: BENCH_EVENTS prediction events posted as NDJSON in batches of BENCH_BATCH by
//       BENCH_CLIENTS concurrent clients, each answer only after the broker acknowledged; next to
//       the same events produced straight to Kafka by one kafkajs producer in this process;
//   (2) ingest latency at a steady BENCH_RATE requests/s, alone and while BENCH_ANALYSTS analysts
//       send expensive read-only SQL at once from another process (the API runs at most
//       api.sql.max_concurrent and answers the rest 429 at once): how much does the ingest p99 rise?
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { createKafka, createProducer } from '@vigil/kafka'
import { createLogger } from '@vigil/observability'
import { createTestTopics, freePort, makePrediction, testConfig, waitFor } from '@vigil/testing'
import { finished, tsxLoader } from '../e2e/processes.js'
import { ensureBroker, ms, peakRssMiB, quantile, report, startVigil } from './common.js'

const EVENTS = Number(process.env.BENCH_EVENTS ?? 200_000)
const BATCH = Number(process.env.BENCH_BATCH ?? 500)
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 4)
const RATE = Number(process.env.BENCH_RATE ?? 20)
const ANALYSTS = Number(process.env.BENCH_ANALYSTS ?? 100)
const PACED_SECONDS = Number(process.env.BENCH_PACED_SECONDS ?? 30)
/** api.sql.max_concurrent of the API under test (unset: vigil's default). */
const SQL_CONCURRENT = process.env.BENCH_SQL_CONCURRENT
const TOKEN = 'bench-token-0123456789'

/** The same NDJSON bodies for every run: `EVENTS / BATCH` requests. */
function bodies(): string[] {
  const out: string[] = []
  for (let start = 0; start < EVENTS; start += BATCH)
    out.push(
      Array.from({ length: Math.min(BATCH, EVENTS - start) }, (_, i) =>
        JSON.stringify(makePrediction(start + i)),
      ).join('\n'),
    )
  return out
}

async function post(
  url: string,
  path: string,
  body: string,
  contentType: string,
): Promise<{ status: number; ms: number }> {
  const t = performance.now()
  const res = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': contentType },
    body,
  })
  await res.arrayBuffer()
  return { status: res.status, ms: performance.now() - t }
}

const stopBroker = ensureBroker()
const config = testConfig({ name: 'benchapi' })
await createTestTopics(config)
const port = await freePort()
const server = startVigil(
  config,
  `api:\n  port: ${port}\n  max_body_bytes: 10485760\n${SQL_CONCURRENT ? `  sql: { max_concurrent: ${SQL_CONCURRENT} }\n` : ''}  tokens:\n    - { name: bench, token_env: API_TOKEN_BENCH, scopes: [ingest, read] }\n`,
  ['api'],
  { API_TOKEN_BENCH: TOKEN },
)
const url = `http://127.0.0.1:${port}`
try {
  const up = await waitFor(
    async () => (await fetch(`${url}/readyz`).catch(() => undefined))?.status === 200,
    60_000,
  )
  if (!up) throw new Error('the API did not become ready')
  const all = bodies()

  // (1) Throughput through HTTP, CLIENTS requests in flight.
  const latencies: number[] = []
  let next = 0
  const t0 = performance.now()
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      for (let i = next++; i < all.length; i = next++) {
        const r = await post(url, '/v1/predictions', all[i]!, 'application/x-ndjson')
        if (r.status !== 200) throw new Error(`POST /v1/predictions answered ${r.status}`)
        latencies.push(r.ms)
      }
    }),
  )
  const httpRate = EVENTS / ((performance.now() - t0) / 1000)

  // The same events straight to Kafka, one producer, CLIENTS sends in flight.
  const producer = createProducer(
    createKafka({ ...config.kafka, log: createLogger({ name: 'bench', level: 'warn' }) }),
  )
  await producer.start()
  next = 0
  const t1 = performance.now()
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      for (let i = next++; i < all.length; i = next++) {
        const lines = all[i]!.split('\n')
        await producer.send(
          config.kafka.topics.predictions,
          lines.map((value) => ({ key: (JSON.parse(value) as { model_id: string }).model_id, value })),
        )
      }
    }),
  )
  const kafkaRate = EVENTS / ((performance.now() - t1) / 1000)
  await producer.stop()

  // (2) Steady ingest, alone and under analysts' SQL.
  async function paced(): Promise<number[]> {
    const lat: number[] = []
    const sends: Promise<void>[] = []
    const end = performance.now() + PACED_SECONDS * 1000
    for (let i = 0; performance.now() < end; i++) {
      sends.push(
        post(url, '/v1/predictions', all[i % all.length]!, 'application/x-ndjson').then((r) => {
          if (r.status !== 200) throw new Error(`POST /v1/predictions answered ${r.status}`)
          lat.push(r.ms)
        }),
      )
      await new Promise((r) => setTimeout(r, 1000 / RATE))
    }
    await Promise.all(sends)
    return lat
  }
  const alone = await paced()
  const load = spawn(
    process.execPath,
    [
      '--import',
      tsxLoader,
      fileURLToPath(new URL('./sql-load.ts', import.meta.url)),
      url,
      TOKEN,
      String(ANALYSTS),
      String(PACED_SECONDS),
      'SELECT sum(cityHash64(number)) AS h FROM (SELECT number FROM system.numbers LIMIT 2000000000)',
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  )
  const underLoad = await paced()
  const analyst = JSON.parse((await finished(load)).stdout.trim()) as {
    ok: number
    tooMany: number
    refused: number
    slowestMs: number
  }
  const rss = peakRssMiB(server.pid!)

  const p99Alone = quantile(alone, 0.99)
  const p99Load = quantile(underLoad, 0.99)
  report(
    [
      [
        `HTTP ingest, ${CLIENTS} clients, ${BATCH} events per request`,
        `${Math.round(httpRate).toLocaleString('en')} events/s`,
      ],
      [
        '  request latency p50 / p99 / max',
        `${ms(quantile(latencies, 0.5))} / ${ms(quantile(latencies, 0.99))} / ${ms(Math.max(...latencies))}`,
      ],
      [
        `kafkajs producer straight to the broker, same batches`,
        `${Math.round(kafkaRate).toLocaleString('en')} events/s`,
      ],
      ['HTTP ingest / direct produce', (httpRate / kafkaRate).toFixed(2)],
      [`ingest at ${RATE} requests/s alone: p50 / p99`, `${ms(quantile(alone, 0.5))} / ${ms(p99Alone)}`],
      [
        `  with ${ANALYSTS} concurrent analyst queries: p50 / p99`,
        `${ms(quantile(underLoad, 0.5))} / ${ms(p99Load)}`,
      ],
      ['  p99 rise (bar ≤ 20%)', `${(((p99Load - p99Alone) / p99Alone) * 100).toFixed(0)}%`],
      [
        '  analyst answers: 200 / 429 / 4xx (time limit), slowest',
        `${analyst.ok} / ${analyst.tooMany} / ${analyst.refused}, ${ms(analyst.slowestMs)}`,
      ],
      ['API process peak RSS (includes the ClickHouse engine)', `${Math.round(rss)} MiB`],
    ],
    {
      bench: 'api',
      events: EVENTS,
      batch: BATCH,
      clients: CLIENTS,
      httpEventsPerSec: Math.round(httpRate),
      kafkaEventsPerSec: Math.round(kafkaRate),
      latencyP50Ms: quantile(latencies, 0.5),
      latencyP99Ms: quantile(latencies, 0.99),
      pacedP99AloneMs: p99Alone,
      pacedP99UnderSqlMs: p99Load,
      analyst,
      peakRssMiB: Math.round(rss),
    },
  )
} finally {
  server.kill('SIGTERM')
  await new Promise((r) => server.once('exit', r))
  stopBroker()
}
