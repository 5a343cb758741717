// The demo's third model, credit-risk, is served by KServe and monitored without a line of code:
// KServe's InferenceLogger posts a request and a response CloudEvent per inference (binary mode)
// to POST /v1/cloudevents, and the model's ingest mapping in test/demo/vigil.yaml says what the
// Open Inference Protocol v2 bodies mean. Each request is a batch of a few applicants (one tensor
// per column, as MLServer's `pd` content type sends a data frame). Deterministic (seeded).
import { CloudEvent, HTTP } from 'cloudevents'
import { rng, SAMPLE_START } from './sample.js'

export const KSERVE_MODEL = 'credit-risk'
/** From here on, applicants' incomes run lower (the drift the demo must find in credit-risk). */
export const INCOME_DRIFT_FROM = Date.UTC(2026, 10, 24, 9, 30, 0)

export interface Inference {
  /** Event time of the request (ms). */
  at: number
  request: CloudEvent<unknown>
  response: CloudEvent<unknown>
  rows: number
}

function half(kind: 'request' | 'response', id: string, time: number, data: unknown): CloudEvent<unknown> {
  return new CloudEvent({
    id,
    source: 'http://credit-risk-predictor.lending.svc.cluster.local',
    type: `org.kubeflow.serving.inference.${kind}`,
    time: new Date(time).toISOString(),
    datacontenttype: 'application/json',
    inferenceservicename: KSERVE_MODEL,
    namespace: 'lending',
    component: 'predictor',
    endpoint: 'default',
    data,
  })
}

/** `count` inferences of 1-6 applicants each, spread over `hours` of event time from the sample's start. */
export function kserveTraffic({ seed = 12, count = 360, hours = 3 } = {}): Inference[] {
  const r = rng(seed)
  const normal = () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r())
  const out: Inference[] = []
  for (let i = 0; i < count; i++) {
    const at = SAMPLE_START + Math.floor((i / count) * (hours * 3_600_000 - 60_000)) + Math.floor(r() * 1000)
    const n = 1 + Math.floor(r() * 6)
    const income: number[] = []
    const debt: number[] = []
    const employment: string[] = []
    const decision: string[] = []
    const score: number[] = []
    for (let k = 0; k < n; k++) {
      const inc = Math.round(Math.exp((at >= INCOME_DRIFT_FROM ? 10.4 : 10.9) + 0.35 * normal()))
      const ratio = Math.round(Math.min(0.95, Math.max(0.01, 0.3 + 0.12 * normal())) * 100) / 100
      const s = Math.round((1 / (1 + Math.exp((Math.log(inc) - 10.6) * 3 - (ratio - 0.3) * 8))) * 1e4) / 1e4
      income.push(inc)
      debt.push(ratio)
      employment.push(r() < 0.7 ? 'salaried' : r() < 0.7 ? 'self-employed' : 'retired')
      score.push(s)
      decision.push(s > 0.5 ? 'decline' : 'approve')
    }
    const id = `kserve-${String(i).padStart(5, '0')}`
    const column = (name: string, datatype: string, data: unknown[]) => ({ name, shape: [n], datatype, data })
    out.push({
      at,
      rows: n,
      request: half('request', id, at, {
        parameters: { content_type: 'pd' },
        inputs: [
          column('income', 'FP64', income),
          column('debt_ratio', 'FP64', debt),
          column('employment', 'BYTES', employment),
        ],
      }),
      response: half('response', id, at + 5 + Math.floor(r() * 40), {
        model_name: KSERVE_MODEL,
        model_version: 'v12',
        id,
        outputs: [column('decision', 'BYTES', decision), column('score', 'FP64', score)],
      }),
    })
  }
  return out
}

/** Posts each inference's two halves as KServe's logger does (binary mode), all at once; the API must take each. */
export async function postInferences(
  url: string,
  token: string,
  inferences: readonly Inference[],
): Promise<{ events: number; rows: number }> {
  const post = async (e: CloudEvent<unknown>) => {
    const m = HTTP.binary(e)
    const res = await fetch(`${url}/v1/cloudevents`, {
      method: 'POST',
      headers: { ...(m.headers as Record<string, string>), authorization: `Bearer ${token}` },
      body: String(m.body),
    })
    if (res.status !== 202)
      throw new Error(`POST /v1/cloudevents answered ${res.status}: ${await res.text()}`)
  }
  await Promise.all(inferences.flatMap((i) => [post(i.request), post(i.response)]))
  return { events: 2 * inferences.length, rows: inferences.reduce((a, i) => a + i.rows, 0) }
}
