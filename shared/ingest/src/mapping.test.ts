import { readFileSync } from 'node:fs'
import type { IngestMapping } from '@vigil/config'
import { describe, expect, it } from 'vitest'
import { decodeRequest, decodeResponse, type PairContext, toPredictions } from './mapping.js'

// Recorded request and response bodies (../fixtures) through each format's decoder and a
// model's mapping, into prediction events; and the reasons a body that does not fit is refused.

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../fixtures/${name}.json`, import.meta.url), 'utf8'))

const ctx: PairContext = { modelId: 'iris', id: 'ce-1', timestamp: '2026-12-03T10:00:00Z' }

/** Both bodies decoded and mapped: the events, or the first reason. */
function pair(request: unknown, response: unknown, m: IngestMapping, c: Partial<PairContext> = {}) {
  const req = decodeRequest(request, m)
  if (!req.ok) return { reason: `request: ${req.reason}` }
  const res = decodeResponse(response, m)
  if (!res.ok) return { reason: `response: ${res.reason}` }
  const mapped = toPredictions(req.value, res.value, m, { ...ctx, ...c })
  return mapped.ok ? { events: mapped.events } : { reason: mapped.reason }
}

const IRIS = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width']

describe('Open Inference Protocol v2', () => {
  it('a [2, 4] input named by columns, a label and class probabilities: two events', () => {
    const got = pair(fixture('oip-iris.request'), fixture('oip-iris.response'), {
      format: 'oip-v2',
      columns: IRIS,
      label: { output: 'predict' },
      probabilities: { output: 'predict_proba', classes: ['setosa', 'versicolor', 'virginica'] },
    })
    expect(got.events).toEqual([
      {
        schema_version: 1,
        prediction_id: 'ce-1#0',
        model_id: 'iris',
        model_version: 'v3', // the response's
        timestamp: '2026-12-03T10:00:00Z',
        features: { sepal_length: 6.8, sepal_width: 2.8, petal_length: 4.8, petal_width: 1.4 },
        prediction: { label: '1', probabilities: { setosa: 0.05, versicolor: 0.85, virginica: 0.1 } },
      },
      expect.objectContaining({
        prediction_id: 'ce-1#1',
        features: { sepal_length: 6, sepal_width: 3.4, petal_length: 4.5, petal_width: 1.6 },
        prediction: { label: '2', probabilities: { setosa: 0.02, versicolor: 0.18, virginica: 0.8 } },
      }),
    ])
  })

  it("MLServer's pd content type: one input per column, BYTES and BOOL values", () => {
    const got = pair(
      fixture('mlserver-pd.request'),
      fixture('mlserver-pd.response'),
      { format: 'oip-v2', label: { output: 'predict' } },
      { modelId: 'churn', modelVersion: 'v1' },
    )
    expect(got.events?.map((e) => [e.prediction_id, e.features, e.prediction.label])).toEqual([
      ['ce-1#0', { age: 34, country: 'DE', vip: true }, 'yes'],
      ['ce-1#1', { age: 51, country: 'FR', vip: false }, 'no'],
      ['ce-1#2', { age: 27, country: 'US', vip: false }, 'yes'],
    ])
  })

  it('a batch of 64 rows is 64 predictions, ids <id>#<row>', () => {
    const n = 64
    const request = {
      inputs: [
        { name: 'x', shape: [n, 2], datatype: 'FP64', data: Array.from({ length: 2 * n }, (_, i) => i) },
      ],
    }
    const response = {
      outputs: [
        { name: 'y', shape: [n], datatype: 'FP64', data: Array.from({ length: n }, (_, i) => i / n) },
      ],
    }
    const got = pair(request, response, { format: 'oip-v2', columns: ['a', 'b'], score: { output: 'y' } })
    expect(got.events).toHaveLength(64)
    expect(got.events![63]).toMatchObject({
      prediction_id: 'ce-1#63',
      features: { a: 126, b: 127 },
      prediction: { score: 63 / 64 },
      model_version: 'unknown',
    })
  })

  it.each<[string, unknown, RegExp]>([
    [
      'a shape that does not hold the data',
      { inputs: [{ name: 'x', shape: [2, 3], datatype: 'FP32', data: [1, 2, 3, 4, 5] }] },
      /^request: inputs\[0\] \(x\): shape \[2, 3\] holds 6 values, data has 5$/,
    ],
    [
      'inputs of different batch sizes',
      {
        inputs: [
          { name: 'a', shape: [2], datatype: 'FP32', data: [1, 2] },
          { name: 'b', shape: [3], datatype: 'FP32', data: [1, 2, 3] },
        ],
      },
      /inputs: b holds 3 rows, a 2: the first dimension is the batch/,
    ],
    [
      'a value its datatype cannot hold',
      { inputs: [{ name: 'x', shape: [1], datatype: 'INT64', data: ['7'] }] },
      /inputs\[0\] \(x\)\.data\[0\]: a INT64 tensor cannot hold a string/,
    ],
    [
      'an unknown datatype',
      { inputs: [{ name: 'x', shape: [1], datatype: 'COMPLEX', data: [1] }] },
      /unknown datatype COMPLEX/,
    ],
    ['no inputs', { id: '1' }, /inputs: expected a list of tensors/],
    [
      'a tensor of three dimensions',
      { inputs: [{ name: 'img', shape: [1, 2, 2], datatype: 'UINT8', data: [1, 2, 3, 4] }] },
      /vigil reads \[N\], \[N, 1\] or \[N, K\] tensors/,
    ],
  ])('refuses %s, naming it', (_name, request, reason) => {
    const got = pair(request, fixture('oip-iris.response'), {
      format: 'oip-v2',
      label: { output: 'predict' },
    })
    expect(got.reason).toMatch(reason)
  })
})

describe('KServe v1, MLflow, Seldon', () => {
  it('KServe v1: positional instances named by columns, predictions as the label', () => {
    const got = pair(fixture('kserve-v1.request'), fixture('kserve-v1.response'), {
      format: 'kserve-v1',
      columns: IRIS,
      label: { output: 'prediction' },
    })
    expect(got.events?.map((e) => [e.features.petal_length, e.prediction])).toEqual([
      [4.8, { label: '1' }],
      [4.5, { label: '1' }],
    ])
  })

  it('MLflow: dataframe_split, dataframe_records and an object of columns give the same events', () => {
    const m: IngestMapping = { format: 'mlflow', score: { output: 'prediction' } }
    const response = fixture('mlflow-split.response')
    const split = pair(fixture('mlflow-split.request'), response, m)
    expect(split.events?.map((e) => [e.features, e.prediction])).toEqual([
      [{ amount: 120.5, country: 'DE', hour: 14 }, { score: 0.12 }],
      [{ amount: 9.99, country: 'US', hour: 3 }, { score: 0.93 }],
    ])
    expect(pair(fixture('mlflow-records.request'), response, m)).toEqual(split)
    const columns = { inputs: { amount: [120.5, 9.99], country: ['DE', 'US'], hour: [14, 3] } }
    expect(pair(columns, response, m)).toEqual(split)
  })

  it("Seldon: names on both sides; predict_proba's names are the classes", () => {
    const got = pair(fixture('seldon.request'), fixture('seldon.response'), {
      format: 'seldon',
      probabilities: { output: 'prediction' },
    })
    expect(got.events).toEqual([
      expect.objectContaining({
        prediction_id: 'ce-1', // one row keeps the pair's id
        features: { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 },
        prediction: { probabilities: { setosa: 0.9, versicolor: 0.07, virginica: 0.03 } },
      }),
    ])
  })
})

describe('attributes', () => {
  it("from a request field, a CloudEvents extension, or a header in KServe's metadata", () => {
    const m: IngestMapping = {
      format: 'mlflow',
      features: ['amount', 'hour'],
      score: { output: 'prediction' },
      attributes: {
        country: { input: 'country' },
        endpoint: { extension: 'endpoint' },
        region: { metadata: 'X-Region' },
        tenant: { metadata: 'x-tenant' }, // not logged: left out
      },
    }
    const got = pair(fixture('mlflow-split.request'), fixture('mlflow-split.response'), m, {
      extensions: { endpoint: 'canary', metadata: JSON.stringify({ 'x-region': ['eu-west'] }) },
    })
    expect(got.events?.map((e) => [e.features, e.attributes])).toEqual([
      [
        { amount: 120.5, hour: 14 },
        { country: 'DE', endpoint: 'canary', region: 'eu-west' },
      ],
      [
        { amount: 9.99, hour: 3 },
        { country: 'US', endpoint: 'canary', region: 'eu-west' },
      ],
    ])
  })

  it('an attribute that is not a value is refused', () => {
    const m: IngestMapping = {
      format: 'mlflow',
      score: { output: 'prediction' },
      attributes: { a: { extension: 'x' } },
    }
    const got = pair(fixture('mlflow-split.request'), fixture('mlflow-split.response'), m, {
      extensions: { x: { nested: 1 } },
    })
    expect(got.reason).toMatch(/row 0: attribute "a" \(ingest\.attributes\) is an object, not a value/)
  })
})

describe('a pair that does not fit the mapping is refused with the field and why', () => {
  const request = fixture('oip-iris.request')
  const response = fixture('oip-iris.response')
  it.each<[string, IngestMapping, RegExp]>([
    [
      'an output the response does not have',
      { format: 'oip-v2', columns: IRIS, label: { output: 'class' } },
      /row 0: the response has no output "class" \(ingest\.label\); it has predict, predict_proba/,
    ],
    [
      'a vector input without column names',
      { format: 'oip-v2', label: { output: 'predict' } },
      /input "input-0" holds 4 values per row: name its columns with ingest\.columns/,
    ],
    [
      'columns that do not count the input',
      { format: 'oip-v2', columns: ['a', 'b'], label: { output: 'predict' } },
      /inputs\[0\] \(input-0\): 4 columns per row, but the mapping names 2/,
    ],
    [
      'a feature the request does not have',
      { format: 'oip-v2', columns: IRIS, features: ['age'], label: { output: 'predict' } },
      /the request has no input "age" \(ingest\.features\)/,
    ],
    [
      'probabilities without classes',
      { format: 'oip-v2', columns: IRIS, probabilities: { output: 'predict_proba' } },
      /ingest\.probabilities: name the classes of "predict_proba"/,
    ],
    [
      'probabilities with too few classes',
      { format: 'oip-v2', columns: IRIS, probabilities: { output: 'predict_proba', classes: ['a', 'b'] } },
      /holds 3 probabilities, ingest\.probabilities\.classes names 2/,
    ],
    [
      'a vector as the score',
      { format: 'oip-v2', columns: IRIS, score: { output: 'predict_proba' } },
      /ingest\.score names an array, not a number/,
    ],
    [
      'an index past the vector',
      { format: 'oip-v2', columns: IRIS, score: { output: 'predict_proba', index: 3 } },
      /output "predict_proba" has no element 3/,
    ],
  ])('%s', (_name, m, reason) => {
    expect(pair(request, response, m).reason).toMatch(reason)
  })

  it('a response with another number of rows than its request', () => {
    const one = { outputs: [{ name: 'predict', shape: [1], datatype: 'INT64', data: [1] }] }
    expect(pair(request, one, { format: 'oip-v2', columns: IRIS, label: { output: 'predict' } }).reason).toBe(
      'the request holds 2 rows, the response 1',
    )
  })

  it('what the prediction contract refuses, with the row', () => {
    const got = pair(
      request,
      response,
      { format: 'oip-v2', columns: IRIS, label: { output: 'predict' } },
      { modelId: 'not a model id' },
    )
    expect(got.reason).toMatch(/^row 0: \/model_id: must match/)
  })
})
