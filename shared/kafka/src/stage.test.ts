import { type ClickHouse, defineTable } from '@vigil/clickhouse'
import { createLogger, createMetricsRegistry } from '@vigil/observability'
import type { KafkaMessage } from 'kafkajs'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { deliver, fakeKafka } from '../test/fake-kafka.js'
import { DLQ_HEADERS } from './dlq.js'
import type { OutMessage } from './producer.js'
import { createStageConsumer, type Stage } from './stage.js'

const COUNTS = defineTable('counts', z.object({ n: z.number() }))

/** ClickHouse and the producer at their boundaries: what was written, and faults on demand. */
function sinks() {
  const inserts: { table: string; values: object[]; token: string }[] = []
  const sent: { topic: string; messages: readonly OutMessage[] }[] = []
  const faults = { inserts: 0, sends: 0 }
  const ch = {
    database: 'db',
    client: {
      async insert(o: {
        table: string
        values: unknown[][]
        columns: string[]
        clickhouse_settings: Record<string, unknown>
      }) {
        if (faults.inserts > 0) {
          faults.inserts--
          throw new Error('ECONNREFUSED')
        }
        // Rows arrive as JSONCompactEachRow arrays in the order of `columns` (back-quoted names).
        const names = o.columns.map((c) => c.replaceAll('`', ''))
        inserts.push({
          table: o.table,
          values: o.values.map((row) => Object.fromEntries(names.map((n, i) => [n, row[i]]))),
          token: String(o.clickhouse_settings.insert_deduplication_token),
        })
      },
    },
  } as unknown as ClickHouse
  const producer = {
    async send(topic: string, messages: readonly OutMessage[]) {
      if (faults.sends > 0) {
        faults.sends--
        throw new Error('broker not available')
      }
      sent.push({ topic, messages })
    },
    start: async () => {},
    stop: async () => {},
  }
  return { ch, producer, inserts, sent, faults }
}

const json = (offset: number, value: unknown): KafkaMessage =>
  ({ offset: String(offset), timestamp: '0', value: Buffer.from(JSON.stringify(value)) }) as KafkaMessage

/** A running count per partition: a row with the new total and a message per batch. */
function counter(overrides: Partial<Stage<number, { n: number }>> = {}): Stage<number, { n: number }> {
  return {
    name: 'counter',
    groupId: 'g',
    inputs: {
      t: {
        decode: (b) => {
          const v = JSON.parse(b.toString()) as { n?: unknown }
          return typeof v.n === 'number'
            ? { ok: true, value: { n: v.n } }
            : { ok: false, reason: 'n must be a number' }
        },
        invalid: 'dlq',
      },
    },
    load: async () => 0,
    plan(state, inputs) {
      let next = state
      for (const i of inputs) {
        if (i.event.n < 0) throw new TypeError(`cannot count ${i.event.n}`)
        next += i.event.n
      }
      return {
        next,
        writes: [
          { table: COUNTS, rows: [{ n: next }], dedupToken: `c-${inputs[0]?.offset}` },
          { topic: 'out', messages: [{ value: String(next) }] },
        ],
      }
    },
    ...overrides,
  }
}

function run(stage: Stage<number, { n: number }>) {
  const s = sinks()
  const { kafka, consumers } = fakeKafka()
  const registry = createMetricsRegistry({ defaultMetrics: false })
  const c = createStageConsumer(
    stage,
    {
      kafka,
      producer: s.producer,
      ch: s.ch,
      log: createLogger({ name: 'test', level: 'silent' }),
      registry,
      dlqTopic: 'dlq',
    },
    { retryInitialMs: 1, retryMaxMs: 2 },
  )
  return { ...s, c, consumers, registry }
}

describe('stage consumer (kafkajs, ClickHouse and producer stand-ins)', () => {
  it('applies the plan’s writes, then swaps the state, then commits', async () => {
    const r = run(counter())
    await r.c.start()
    const f = r.consumers[0]!
    await deliver(f, [json(0, { n: 2 }), json(1, { n: 3 })])
    await deliver(f, [json(2, { n: 5 })])
    expect(r.inserts.map((i) => i.values)).toEqual([[{ n: 5 }], [{ n: 10 }]])
    expect(r.sent.map((s) => s.messages[0]!.value)).toEqual(['5', '10'])
    expect(f.commits).toEqual([
      [{ topic: 't', partition: 0, offset: '2' }],
      [{ topic: 't', partition: 0, offset: '3' }],
    ])
  })

  it('retries only the failed write, with the same plan, and never applies the batch twice', async () => {
    let plans = 0
    const stage = counter()
    const r2 = run({
      ...stage,
      plan: (s, i, ctx) => {
        plans++
        return stage.plan(s, i, ctx)
      },
    })
    await r2.c.start()
    r2.faults.sends = 3 // the row is acknowledged, the message fails three times
    const f = r2.consumers[0]!
    expect(f.commits).toEqual([])
    await deliver(f, [json(0, { n: 2 })])
    await deliver(f, [json(1, { n: 1 })])
    expect(plans).toBe(2)
    expect(r2.inserts.map((i) => i.values)).toEqual([[{ n: 2 }], [{ n: 3 }]])
    expect(r2.sent.map((s) => s.messages[0]!.value)).toEqual(['2', '3'])
    expect(f.commits.length).toBe(2)
    expect(r2.c.health().sinkHealthy).toBe(true)
  })

  it('runs a plan’s `after` once, only after its writes are acknowledged', async () => {
    const seen: string[] = []
    const base = counter()
    const r = run({
      ...base,
      plan: (s, i, ctx) => ({ ...base.plan(s, i, ctx), after: () => seen.push(`after ${r.sent.length}`) }),
    })
    await r.c.start()
    r.faults.sends = 2
    await deliver(r.consumers[0]!, [json(0, { n: 1 })])
    expect(seen).toEqual(['after 1'])
  })

  it('keeps the state it had when a batch’s writes fail, so the batch counts once', async () => {
    const r = run(counter())
    await r.c.start()
    r.faults.inserts = 2
    await deliver(r.consumers[0]!, [json(0, { n: 4 })])
    await deliver(r.consumers[0]!, [json(1, { n: 1 })])
    expect(r.inserts.map((i) => i.values)).toEqual([[{ n: 4 }], [{ n: 5 }]])
  })

  it('sends an invalid message to the DLQ with its reason and plans the rest', async () => {
    const r = run(counter())
    await r.c.start()
    await deliver(r.consumers[0]!, [json(0, { n: 1 }), json(1, { n: 'x' }), json(2, { n: 1 })])
    const dlq = r.sent.find((s) => s.topic === 'dlq')!
    expect(dlq.messages.length).toBe(1)
    expect(dlq.messages[0]!.headers).toMatchObject({
      [DLQ_HEADERS.reason]: 'n must be a number',
      [DLQ_HEADERS.step]: 'validate',
      [DLQ_HEADERS.offset]: '1',
    })
    expect(r.inserts.map((i) => i.values)).toEqual([[{ n: 2 }]])
  })

  it('counts a dead-lettered message once, however often its batch was retried', async () => {
    const r = run(counter())
    await r.c.start()
    r.faults.sends = 3
    await deliver(r.consumers[0]!, [json(0, { n: 'x' }), json(1, { n: 1 })])
    const dlq = await r.registry.getSingleMetric('vigil_stage_dlq_total')!.get()
    expect(dlq.values.map((v) => [v.labels.code, v.value])).toEqual([['invalid', 1]])
  })

  it('skips an invalid message another stage dead-letters, without sending it', async () => {
    const base = counter()
    const r = run({ ...base, inputs: { t: { ...base.inputs.t!, invalid: 'skip' } } })
    await r.c.start()
    await deliver(r.consumers[0]!, [json(0, { n: 'x' }), json(1, { n: 1 })])
    expect(r.sent.filter((s) => s.topic === 'dlq')).toEqual([])
    expect(r.inserts.map((i) => i.values)).toEqual([[{ n: 1 }]])
  })

  it('sends a message its pure code throws on to the DLQ with the error; the partition goes on', async () => {
    const r = run(counter())
    await r.c.start()
    const f = r.consumers[0]!
    await deliver(f, [
      json(0, { n: 1 }),
      json(1, { n: 2 }),
      json(2, { n: -1 }),
      json(3, { n: 4 }),
      json(4, { n: 8 }),
    ])
    const dlq = r.sent.filter((s) => s.topic === 'dlq').flatMap((s) => s.messages)
    expect(dlq.map((m) => m.headers?.[DLQ_HEADERS.offset])).toEqual(['2'])
    expect(dlq[0]!.headers).toMatchObject({
      [DLQ_HEADERS.reason]: 'TypeError: cannot count -1',
      [DLQ_HEADERS.step]: 'plan',
    })
    // Every other event counted once, the batch committed.
    expect(r.inserts.at(-1)!.values).toEqual([{ n: 15 }])
    expect(f.commits).toEqual([[{ topic: 't', partition: 0, offset: '5' }]])
    await deliver(f, [json(5, { n: 1 })])
    expect(r.inserts.at(-1)!.values).toEqual([{ n: 16 }])
  })

  it('abandons a batch on a rebalance: nothing committed, readiness untouched, the state loaded again', async () => {
    let loads = 0
    const r = run(
      counter({
        load: async () => {
          loads++
          return 100
        },
      }),
    )
    await r.c.start()
    const f = r.consumers[0]!
    let active = true
    r.faults.sends = 1
    const sent = r.producer.send
    r.producer.send = async (topic, messages) => {
      active = false // the partition is revoked while the batch is being written
      return sent(topic, messages)
    }
    await deliver(f, [json(0, { n: 1 })], () => active)
    expect(f.commits).toEqual([])
    expect(r.c.health().sinkHealthy).toBe(true)
    for (const h of f.handlers.get('join') ?? []) h({ payload: { memberAssignment: {} } })
    r.producer.send = sent
    await deliver(f, [json(0, { n: 1 })])
    expect(loads).toBe(2)
    expect(r.inserts.at(-1)!.values).toEqual([{ n: 101 }])
  })

  it('runs ticks per loaded partition between its batches; a failed tick leaves the state', async () => {
    const ticks: number[] = []
    const r = run(
      counter({
        tick: {
          everyMs: 5,
          plan: (state) =>
            state >= 10
              ? undefined
              : {
                  next: state + 10,
                  writes: [{ table: COUNTS, rows: [{ n: state + 10 }], dedupToken: `tick-${state}` }],
                },
        },
      }),
    )
    await r.c.start()
    await deliver(r.consumers[0]!, [json(0, { n: 1 })], () => true, { topic: 't', partition: 0 })
    r.faults.inserts = 1 // the first tick's write fails
    const end = Date.now() + 2000
    while (!r.inserts.some((i) => (i.values[0] as { n: number }).n === 11) && Date.now() < end)
      await new Promise((ok) => setTimeout(ok, 5))
    ticks.push(...r.inserts.map((i) => (i.values[0] as { n: number }).n))
    await r.c.stop()
    expect(ticks).toEqual([1, 11])
    expect(r.c.health().tickFailures).toBe(0)
  })
})
