import { spawn } from 'node:child_process'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { createApi } from '@vigil/api'
import { queryRows } from '@vigil/clickhouse'
import { type Rejected, VigilClient } from '@vigil/client'
import { createRecorder } from '@vigil/recorder'
import { listeningPort, pythonVenv, recorderCaughtUp, startServices } from '@vigil/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

// The client libraries against the real API and broker: what a service logs through them is
// what the recorder stores, once; what vigil refuses comes back to the caller with the reason.

const TOKEN = 'ingest-token-0123456789'
let started: Awaited<ReturnType<typeof startServices>>
let url: string
beforeAll(async () => {
  started = await startServices(
    'clients',
    'api:\n  port: 0\n  tokens:\n    - { name: model-service, token_env: API_TOKEN_INGEST, scopes: [ingest] }\n',
    [createRecorder, createApi],
    { API_TOKEN_INGEST: TOKEN },
  )
  url = `http://127.0.0.1:${listeningPort(started.proc, 'api')}`
}, 120_000)
afterAll(async () => started?.proc.stop())

/** Rows the recorder stored for a model, once its group has caught up. */
async function stored(model: string): Promise<{ predictions: number; labels: number }> {
  expect(await recorderCaughtUp(started)).toBe(true)
  const [row] = await queryRows<{ p: string; l: string }>(
    started.proc.deps.ch,
    `SELECT (SELECT count() FROM {db:Identifier}.predictions WHERE model_id = {m:String}) AS p,
            (SELECT count() FROM {db:Identifier}.labels WHERE model_id = {m:String}) AS l`,
    { m: model },
  )
  return { predictions: Number(row!.p), labels: Number(row!.l) }
}

const PYTHON_SERVICE = `
import json, os, sys
sys.path.insert(0, os.environ["CLIENT_SRC"])
import vigil_client
refused = []
vigil_client.configure(url=os.environ["VIGIL_URL"], token=os.environ["VIGIL_TOKEN"], batch_size=16,
                       flush_interval=0.2, on_rejected=lambda r: refused.append(r.reason))
for i in range(40):
    vigil_client.log_prediction(model_id="py-model", prediction_id=f"p{i}", model_version="v1",
                                features={"amount": i * 1.5, "country": "DE" if i % 2 else "FR"},
                                label="fraud" if i % 5 == 0 else "ok", score=i / 40, attributes={"region": "eu"})
for i in range(0, 40, 2):
    vigil_client.log_label(model_id="py-model", prediction_id=f"p{i}", label="ok")
vigil_client.log_label(model_id="py model", prediction_id="p0", label="ok")  # refused: the id's characters
assert vigil_client.flush(20)
print(json.dumps(refused))
`

/**
 * A proxy in front of the API that answers the first `failures` requests 503 (as the API does when
 * Kafka is down), then forwards: what a client retries must arrive once.
 */
async function flakyApi(failures: number): Promise<{ url: string; failed: () => number; close: () => void }> {
  let seen = 0
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = []
    for await (const c of req) chunks.push(c as Buffer)
    if (seen++ < failures) {
      res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":"Kafka is unavailable"}')
      return
    }
    const answer = await fetch(`${url}${req.url}`, {
      method: req.method,
      headers: {
        'content-type': String(req.headers['content-type']),
        authorization: String(req.headers.authorization),
      },
      body: Buffer.concat(chunks),
    })
    res.writeHead(answer.status, { 'content-type': 'application/json' }).end(await answer.text())
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}`,
    failed: () => Math.min(seen, failures),
    close: () => server.close(),
  }
}

describe('client libraries', () => {
  it('Python: batches over HTTP, flushes, and returns what vigil refused', async () => {
    const child = spawn('python3', ['-c', PYTHON_SERVICE], {
      env: {
        ...process.env,
        CLIENT_SRC: fileURLToPath(new URL('../../clients/python/src', import.meta.url)),
        VIGIL_URL: url,
        VIGIL_TOKEN: TOKEN,
      },
    })
    let out = ''
    let err = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (err += d))
    const code = await new Promise<number | null>((r) => child.on('exit', r))
    expect(code, err).toBe(0)
    const refused = JSON.parse(out) as string[]
    expect(refused).toHaveLength(1)
    expect(refused[0]).toMatch(/model_id/)
    expect(await stored('py-model')).toEqual({ predictions: 40, labels: 20 })
  }, 90_000)

  it('TypeScript over HTTP: batches, flushes on close, returns what vigil refused', async () => {
    const refused: Rejected[] = []
    const client = new VigilClient({
      url,
      token: TOKEN,
      batchSize: 16,
      flushIntervalMs: 100,
      onRejected: (r) => refused.push(r),
    })
    for (let i = 0; i < 40; i++)
      client.logPrediction({
        model_id: 'ts-model',
        prediction_id: `p${i}`,
        model_version: 'v1',
        features: { amount: i, vip: i % 3 === 0 },
        prediction: { label: i % 4 === 0 ? 'fraud' : 'ok', score: i / 40 },
      })
    client.logPrediction({
      model_id: 'ts-model',
      prediction_id: '',
      model_version: 'v1',
      features: {},
      prediction: { score: 2 },
    })
    for (let i = 0; i < 10; i++)
      client.logLabel({ model_id: 'ts-model', prediction_id: `p${i}`, label: 'ok' })
    await client.close()
    expect(refused.map((r) => r.kind)).toEqual(['predictions'])
    expect(refused[0]!.reason).toMatch(/prediction_id/)
    expect(await stored('ts-model')).toEqual({ predictions: 40, labels: 10 })
  }, 90_000)

  it('both retry while vigil answers 503, and deliver every event once', async () => {
    const flaky = await flakyApi(3)
    try {
      const client = new VigilClient({ url: flaky.url, token: TOKEN, batchSize: 10, flushIntervalMs: 50 })
      for (let i = 0; i < 25; i++)
        client.logPrediction({
          model_id: 'ts-retried',
          prediction_id: `r${i}`,
          model_version: 'v1',
          features: { amount: i },
          prediction: { score: 0.5 },
        })
      await client.flush()
      await client.close()
      expect(flaky.failed()).toBe(3)
      expect(await stored('ts-retried')).toEqual({ predictions: 25, labels: 0 })
    } finally {
      flaky.close()
    }
    const flakyForPython = await flakyApi(2)
    try {
      const script = PYTHON_SERVICE.replaceAll('py-model', 'py-retried')
      const child = spawn('python3', ['-c', script], {
        env: {
          ...process.env,
          CLIENT_SRC: fileURLToPath(new URL('../../clients/python/src', import.meta.url)),
          VIGIL_URL: flakyForPython.url,
          VIGIL_TOKEN: TOKEN,
        },
      })
      let err = ''
      child.stderr.on('data', (d) => (err += d))
      expect(await new Promise<number | null>((r) => child.on('exit', r)), err).toBe(0)
      expect(err).toMatch(/vigil unavailable, retrying/)
      expect(await stored('py-retried')).toEqual({ predictions: 40, labels: 20 })
    } finally {
      flakyForPython.close()
    }
  }, 90_000)

  it('TypeScript to Kafka: produced to the topics the recorder reads', async () => {
    const { config } = started
    const client = new VigilClient({
      kafka: { brokers: config.kafka.brokers, topics: config.kafka.topics },
      batchSize: 8,
      flushIntervalMs: 100,
    })
    for (let i = 0; i < 20; i++)
      client.logPrediction({
        model_id: 'kafka-model',
        prediction_id: `k${i}`,
        model_version: 'v1',
        features: { amount: i },
        prediction: { value: i * 2 },
      })
    for (let i = 0; i < 5; i++)
      client.logLabel({ model_id: 'kafka-model', prediction_id: `k${i}`, label: i * 2 })
    await client.close()
    expect(await stored('kafka-model')).toEqual({ predictions: 20, labels: 5 })
  }, 90_000)

  it('Python to Kafka: the package installed with its kafka extra produces what the recorder stores', async () => {
    // A real install of clients/python (its pyproject, the confluent-kafka extra from PyPI) into
    // a git-ignored virtualenv, made on first use.
    const python = await pythonVenv(
      '.venv-clients',
      'vigil_client, confluent_kafka',
      '-e',
      'clients/python[kafka]',
    )
    const { config } = started
    const script = `
import os, vigil_client
vigil_client.configure(kafka={"bootstrap.servers": os.environ["BROKERS"]}, batch_size=8, flush_interval=0.1,
                       topics={"predictions": os.environ["PREDICTIONS"], "labels": os.environ["LABELS"]})
for i in range(30):
    vigil_client.log_prediction(model_id="py-kafka", prediction_id=f"k{i}", model_version="v1",
                                features={"amount": float(i)}, score=i / 30)
for i in range(0, 30, 3):
    vigil_client.log_label(model_id="py-kafka", prediction_id=f"k{i}", label="ok")
assert vigil_client.flush(30)
`
    const child = spawn(python, ['-c', script], {
      env: {
        ...process.env,
        BROKERS: config.kafka.brokers.join(','),
        PREDICTIONS: config.kafka.topics.predictions,
        LABELS: config.kafka.topics.labels,
      },
    })
    let err = ''
    child.stderr.on('data', (d) => (err += d))
    expect(await new Promise<number | null>((r) => child.on('exit', r)), err).toBe(0)
    expect(await stored('py-kafka')).toEqual({ predictions: 30, labels: 10 })
  }, 300_000)
})
