import { Kafka, type Producer } from 'kafkajs'

// Events are queued (bounded) and sent in batches, one batch at a time, to vigil's HTTP API or to
// Kafka; a batch is retried with backoff while vigil or Kafka is unavailable. The types mirror
// schemas/events (prediction.v1, label.v1); vigil checks every event and names what it refuses.

export type Scalar = number | string | boolean | null

export interface Prediction {
  model_id: string
  prediction_id: string
  model_version: string
  features: Record<string, Scalar>
  prediction: { label?: string; score?: number; probabilities?: Record<string, number>; value?: number }
  attributes?: Record<string, Scalar>
  /** RFC 3339, or a Date; default: now. */
  timestamp?: string | Date
}

export interface Label {
  model_id: string
  prediction_id: string
  label: string | number
  timestamp?: string | Date
}

type Kind = 'predictions' | 'labels'

/** An event vigil refused: it does not fit the contract. Never retried. */
export interface Rejected {
  kind: Kind
  event: object
  reason: string
}

export class VigilClientError extends Error {}

export interface VigilClientOptions {
  /** vigil's API (`http://vigil:8080`), with an ingest-scope `token`; or `kafka`. */
  url?: string
  token?: string
  kafka?: { brokers: string[]; topics?: Partial<Record<Kind, string>> }
  batchSize?: number
  flushIntervalMs?: number
  /** Events that may wait; a log call beyond it throws. */
  maxQueue?: number
  timeoutMs?: number
  onRejected?: (r: Rejected) => void
}

/** Unavailable: the batch is sent again. */
class Retry extends Error {}

const time = (t: string | Date | undefined) =>
  t instanceof Date ? t.toISOString() : (t ?? new Date().toISOString())

export class VigilClient {
  private readonly queue: { kind: Kind; event: object }[] = []
  private readonly opts: Required<
    Pick<VigilClientOptions, 'batchSize' | 'flushIntervalMs' | 'maxQueue' | 'timeoutMs'>
  >
  private readonly onRejected: (r: Rejected) => void
  private readonly topics: Record<Kind, string>
  private producer?: Producer
  private connected = false
  private readonly exitFlush = () => void this.flush()
  private timer?: NodeJS.Timeout
  private sending?: Promise<void>
  private closed = false
  /** Closed while vigil was unavailable: the batch being retried is dropped. */
  private abandoned = false

  constructor(private readonly o: VigilClientOptions) {
    if ((o.url === undefined) === (o.kafka === undefined))
      throw new VigilClientError("give url (vigil's HTTP API) or kafka (brokers), one of them")
    if (o.url !== undefined && !o.token)
      throw new VigilClientError('the HTTP API needs a token with the ingest scope')
    this.opts = {
      batchSize: o.batchSize ?? 500,
      flushIntervalMs: o.flushIntervalMs ?? 1000,
      maxQueue: o.maxQueue ?? 10_000,
      timeoutMs: o.timeoutMs ?? 10_000,
    }
    this.onRejected =
      o.onRejected ?? ((r) => console.warn(`vigil refused a ${r.kind.slice(0, -1)} event: ${r.reason}`))
    this.topics = { predictions: 'vigil.predictions', labels: 'vigil.labels', ...o.kafka?.topics }
    if (o.kafka) {
      const kafka = new Kafka({ clientId: 'vigil-client', brokers: o.kafka.brokers, logLevel: 1 })
      this.producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 })
    }
    // What is queued when the process has nothing else to do is sent before it exits.
    process.on('beforeExit', this.exitFlush)
  }

  /** Queues one prediction event; throws when the queue is full or the client closed. */
  logPrediction(p: Prediction): void {
    if (Object.keys(p.prediction).length === 0)
      throw new VigilClientError('a prediction needs a label, score, probabilities or value')
    const { timestamp, ...rest } = p
    this.put('predictions', { schema_version: 1, ...rest, timestamp: time(timestamp) })
  }

  /** Queues the ground truth of an earlier prediction. */
  logLabel(l: Label): void {
    const { timestamp, ...rest } = l
    this.put('labels', { schema_version: 1, ...rest, timestamp: time(timestamp) })
  }

  /** Resolves once every queued event was accepted or refused. */
  async flush(): Promise<void> {
    while (this.queue.length > 0 || this.sending !== undefined) {
      this.sending ??= this.sendAll()
      await this.sending
    }
  }

  /** Flushes (waiting at most `timeoutMs` while vigil is unavailable) and stops; later log calls throw. */
  async close(timeoutMs = 10_000): Promise<void> {
    this.closed = true
    clearTimeout(this.timer)
    let timer: NodeJS.Timeout | undefined
    const gaveUp = new Promise<boolean>((r) => {
      timer = setTimeout(() => r(true), timeoutMs)
    })
    if (await Promise.race([this.flush().then(() => false), gaveUp])) {
      this.abandoned = true
      console.warn(`vigil client closed with ${this.queue.length} events unsent`)
    }
    clearTimeout(timer)
    process.off('beforeExit', this.exitFlush)
    if (this.connected) await this.producer?.disconnect()
  }

  private put(kind: Kind, event: object): void {
    if (this.closed) throw new VigilClientError('the client is closed')
    if (this.queue.length >= this.opts.maxQueue)
      throw new VigilClientError(
        `the queue is full (${this.opts.maxQueue} events): vigil is not keeping up or unreachable`,
      )
    this.queue.push({ kind, event })
    if (this.queue.length >= this.opts.batchSize) this.sending ??= this.sendAll()
    else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined
        this.sending ??= this.sendAll()
      }, this.opts.flushIntervalMs)
      // The timer does not keep a process alive; beforeExit flushes what is left.
      this.timer.unref()
    }
  }

  private async sendAll(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const kind = this.queue[0]!.kind
        let n = 0
        while (n < this.queue.length && n < this.opts.batchSize && this.queue[n]!.kind === kind) n++
        const events = this.queue.slice(0, n).map((q) => q.event)
        await this.send(kind, events)
        this.queue.splice(0, n)
      }
    } finally {
      this.sending = undefined
    }
  }

  private async send(kind: Kind, events: object[]): Promise<void> {
    for (let delay = 200; ; delay = Math.min(delay * 2, 30_000)) {
      let refused: { index: number; reason: string }[]
      try {
        refused = await this.deliver(kind, events)
      } catch (err) {
        if (!(err instanceof Retry))
          refused = events.map((_, index) => ({ index, reason: (err as Error).message }))
        else if (this.abandoned) {
          this.queue.length = 0
          return
        } else {
          await new Promise((r) => setTimeout(r, delay))
          continue
        }
      }
      for (const r of refused) this.onRejected({ kind, event: events[r.index]!, reason: r.reason })
      return
    }
  }

  private async deliver(kind: Kind, events: object[]): Promise<{ index: number; reason: string }[]> {
    if (this.producer) {
      try {
        if (!this.connected) {
          await this.producer.connect()
          this.connected = true
        }
        await this.producer.send({
          topic: this.topics[kind],
          acks: -1,
          messages: events.map((e) => ({
            key: (e as { model_id: string }).model_id,
            value: JSON.stringify(e),
          })),
        })
        return []
      } catch (err) {
        throw new Retry((err as Error).message)
      }
    }
    let res: Response
    try {
      res = await fetch(`${this.o.url!.replace(/\/$/, '')}/v1/${kind}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${this.o.token}` },
        body: events.map((e) => `${JSON.stringify(e)}\n`).join(''),
        signal: AbortSignal.timeout(this.opts.timeoutMs),
      })
    } catch (err) {
      throw new Retry((err as Error).message)
    }
    const text = await res.text()
    if ([429, 502, 503, 504].includes(res.status)) throw new Retry(`HTTP ${res.status}: ${text}`)
    const answer = (() => {
      try {
        return JSON.parse(text) as { rejected?: { index: number; reason: string }[]; error?: string }
      } catch {
        return {}
      }
    })()
    if (res.ok || (res.status === 400 && answer.rejected)) return answer.rejected ?? []
    throw new VigilClientError(`vigil answered HTTP ${res.status}: ${answer.error ?? text}`)
  }
}
