// The bundled sample traffic of the demo: two models, a few hours of event time, labels for
// part of the predictions, and a handful of invalid events of every kind. Deterministic (seeded),
// so the demo prints the same counts on every machine. Regenerate the fixtures with
//   npx tsx test/demo/sample.ts
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { LabelEvent, PredictionEvent } from '@vigil/events'

/** mulberry32: a small, fast, seedable PRNG (uniform on [0, 1)). */
export function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function normal(r: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r())
}

function pick<T>(r: () => number, items: readonly T[], weights: readonly number[]): T {
  let x = r() * weights.reduce((a, b) => a + b, 0)
  for (let i = 0; i < items.length; i++) {
    x -= weights[i]!
    if (x < 0) return items[i]!
  }
  return items.at(-1)!
}

const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits

export interface Sample {
  predictions: string[]
  labels: string[]
  invalid: { topic: 'predictions' | 'labels'; value: string; why: string }[]
}

export const SAMPLE_START = Date.UTC(2026, 10, 24, 8, 0, 0)
/** From here on, fraud-detector's `amount` runs higher (a drift the demo must find). */
export const AMOUNT_DRIFT_FROM = Date.UTC(2026, 10, 24, 9, 30, 0)
/** From here on, a new country appears in fraud-detector's `country`. */
export const NEW_COUNTRY_FROM = Date.UTC(2026, 10, 24, 10, 0, 0)
/**
 * From here on, fraud-detector's ground truth changes (a concept shift): fraud comes mostly from
 * web devices whatever the score, so its accuracy drops in the windows that follow.
 */
export const CONCEPT_SHIFT_FROM = Date.UTC(2026, 10, 24, 10, 0, 0)
/** fraud-detector flags group gender=f only above this score (0.5 for m): a lower selection rate. */
export const BIASED_THRESHOLD = 0.65

/** `count` predictions spread over `hours` of event time, with labels for `labelShare` of them. */
export function generateSample({ seed = 42, count = 14_400, hours = 3, labelShare = 0.4 } = {}): Sample {
  const r = rng(seed)
  const predictions: string[] = []
  const labels: string[] = []
  for (let i = 0; i < count; i++) {
    // Spread over the hours, the last event still inside the last window.
    const at = SAMPLE_START + Math.floor((i / count) * (hours * 3_600_000 - 1000)) + Math.floor(r() * 1000)
    const fraud = i % 2 === 0
    const id = `${fraud ? 'fd' : 'ch'}-${String(i).padStart(6, '0')}`
    let event: PredictionEvent
    if (fraud) {
      const amount = round(Math.exp((at >= AMOUNT_DRIFT_FROM ? 4.5 : 4) + 1.1 * normal(r)))
      const country =
        at >= NEW_COUNTRY_FROM && r() < 0.2
          ? 'PL'
          : pick(r, ['DE', 'FR', 'NL', 'ES', 'IT'], [40, 25, 15, 12, 8])
      const score = round(1 / (1 + Math.exp(-(Math.log(amount) - 6 + normal(r)))), 4)
      event = {
        schema_version: 1,
        prediction_id: id,
        model_id: 'fraud-detector',
        model_version: '2026-11-01',
        timestamp: new Date(at).toISOString(),
        features: {
          amount,
          country,
          age: r() < 0.05 ? null : Math.round(18 + 50 * r()),
          device: pick(r, ['ios', 'android', 'web'], [45, 35, 20]),
          account_age_days: Math.round(Math.exp(5 + normal(r))),
        },
        prediction: {
          label: score > 0.5 ? 'fraud' : 'ok',
          score,
          probabilities: { fraud: score, ok: round(1 - score, 4) },
        },
        attributes: {
          region: country === 'DE' || country === 'NL' ? 'north' : 'south',
          gender: r() < 0.5 ? 'f' : 'm',
        },
      }
    } else {
      const tenure = Math.round(1 + 60 * r())
      const score = round(1 / (1 + Math.exp((tenure - 20) / 8 + 0.5 * normal(r))), 4)
      event = {
        schema_version: 1,
        prediction_id: id,
        model_id: 'churn-model',
        model_version: 'v7',
        timestamp: new Date(at).toISOString(),
        features: {
          tenure_months: tenure,
          monthly_spend: round(20 + 60 * r()),
          plan: pick(r, ['basic', 'plus', 'pro'], [50, 35, 15]),
          support_calls: Math.floor(-Math.log(1 - r()) * 2),
        },
        prediction: { label: score > 0.5 ? 'churn' : 'stay', score },
        attributes: { segment: tenure > 24 ? 'loyal' : 'new' },
      }
    }
    // The bias the demo must show: gender=f is flagged only above a higher score (no extra draw,
    // so the rest of the sample stays as it was).
    if (fraud && event.attributes?.gender === 'f' && (event.prediction.score ?? 0) <= BIASED_THRESHOLD)
      event.prediction.label = 'ok'
    predictions.push(JSON.stringify(event))
    if (r() < labelShare) {
      const score = event.prediction.score ?? 0
      const shifted = fraud && at >= CONCEPT_SHIFT_FROM
      const positive = r() < (shifted ? (event.features.device === 'web' ? 0.8 : 0.03) : score)
      const label: LabelEvent = {
        schema_version: 1,
        prediction_id: id,
        model_id: event.model_id,
        timestamp: new Date(at + 3_600_000 * (1 + 24 * r())).toISOString(),
        label: fraud ? (positive ? 'fraud' : 'ok') : positive ? 'churn' : 'stay',
      }
      labels.push(JSON.stringify(label))
    }
  }
  const valid = JSON.parse(predictions[0]!) as PredictionEvent
  const invalid: Sample['invalid'] = [
    { topic: 'predictions', value: '{"schema_version": 1, "prediction_id": "cut-off', why: 'truncated JSON' },
    {
      topic: 'predictions',
      value: JSON.stringify(valid).replace(/"amount":[^,]+/, '"amount":NaN'),
      why: 'NaN',
    },
    { topic: 'predictions', value: JSON.stringify({ ...valid, schema_version: 2 }), why: 'future schema' },
    {
      topic: 'predictions',
      value: JSON.stringify({ ...valid, timestamp: '24/11/2026 10:00' }),
      why: 'bad timestamp',
    },
    {
      topic: 'predictions',
      value: JSON.stringify({ ...valid, model_id: 'fraud detector!' }),
      why: 'bad model id',
    },
    {
      topic: 'predictions',
      value: JSON.stringify({ ...valid, features: { amount: [1, 2] } }),
      why: 'array feature',
    },
    { topic: 'predictions', value: JSON.stringify({ ...valid, prediction: {} }), why: 'empty prediction' },
    {
      topic: 'predictions',
      value: JSON.stringify({ ...valid, features: { notes: 'x'.repeat(262_144) } }),
      why: 'oversized',
    },
    {
      topic: 'labels',
      value: JSON.stringify({ schema_version: 1, model_id: 'churn-model', label: 'stay' }),
      why: 'no id',
    },
    { topic: 'labels', value: 'label: churn', why: 'not JSON' },
  ]
  return { predictions, labels, invalid }
}

export const FIXTURES = {
  predictions: fileURLToPath(new URL('../fixtures/sample-predictions.ndjson', import.meta.url)),
  labels: fileURLToPath(new URL('../fixtures/sample-labels.ndjson', import.meta.url)),
}

/** fraud-detector's training data, as a data scientist would upload it as the baseline. */
export const TRAINING_CSV = fileURLToPath(new URL('../fixtures/fraud-detector-training.csv', import.meta.url))

export function trainingCsv(seed = 7, rows = 5000): string {
  const r = rng(seed)
  const lines = ['amount,country,age,device,account_age_days']
  for (let i = 0; i < rows; i++) {
    const age = r() < 0.05 ? '' : String(Math.round(18 + 50 * r()))
    lines.push(
      [
        round(Math.exp(4 + 1.1 * normal(r))),
        pick(r, ['DE', 'FR', 'NL', 'ES', 'IT'], [40, 25, 15, 12, 8]),
        age,
        pick(r, ['ios', 'android', 'web'], [45, 35, 20]),
        Math.round(Math.exp(5 + normal(r))),
      ].join(','),
    )
  }
  return `${lines.join('\n')}\n`
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { predictions, labels, invalid } = generateSample()
  // Invalid events are mixed into the files at fixed places, as they would arrive in real traffic.
  const mix = (lines: string[], bad: string[]) => {
    const out = [...lines]
    for (const [k, b] of bad.entries())
      out.splice(Math.floor(((k + 1) * out.length) / (bad.length + 1)), 0, b)
    return `${out.join('\n')}\n`
  }
  writeFileSync(
    FIXTURES.predictions,
    mix(
      predictions,
      invalid.filter((x) => x.topic === 'predictions').map((x) => x.value),
    ),
  )
  writeFileSync(
    FIXTURES.labels,
    mix(
      labels,
      invalid.filter((x) => x.topic === 'labels').map((x) => x.value),
    ),
  )
  writeFileSync(TRAINING_CSV, trainingCsv())
  console.log(
    `wrote ${predictions.length} predictions, ${labels.length} labels, ${invalid.length} invalid events, training CSV`,
  )
}
