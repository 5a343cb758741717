import { createLogger, createMetricsRegistry } from '@vigil/observability'
import type { Kafka } from 'kafkajs'
import { describe, expect, it } from 'vitest'
import { deliver, fakeKafka, messages } from '../test/fake-kafka.js'
import { createBatchConsumer, type PartitionBatch } from './consumer.js'

const until = async (cond: () => boolean, ms = 5000) => {
  const end = Date.now() + ms
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 5))
  return cond()
}

function consumerOf(kafka: Kafka, handleBatch: (b: PartitionBatch) => Promise<void>, grace = 60_000) {
  return createBatchConsumer({
    kafka,
    name: 'test',
    groupId: 'g',
    topics: ['t'],
    log: createLogger({ name: 'test', level: 'silent' }),
    registry: createMetricsRegistry({ defaultMetrics: false }),
    handleBatch,
    retryInitialMs: 1,
    retryMaxMs: 5,
    restartInitialMs: 5,
    livenessGraceMs: grace,
  })
}

describe('batch consumer loop (kafkajs stand-in)', () => {
  it('commits the offset after the batch only once the handler succeeded, retrying until then', async () => {
    const { kafka, consumers } = fakeKafka()
    let calls = 0
    const c = consumerOf(kafka, async () => {
      calls++
      if (calls < 3) {
        expect(consumers[0]!.commits).toEqual([])
        throw new Error('ClickHouse refused the insert')
      }
    })
    await c.start()
    await deliver(consumers[0]!, messages(10, 5))
    expect(calls).toBe(3)
    expect(consumers[0]!.commits).toEqual([[{ topic: 't', partition: 0, offset: '15' }]])
    expect(c.health()).toMatchObject({ running: true, sinkHealthy: true, live: true })
  })

  it('abandons a batch when the consumer stops or is rebalanced: no commit, readiness untouched', async () => {
    const { kafka, consumers } = fakeKafka()
    let active = true
    const c = consumerOf(kafka, async () => {
      active = false
      throw new Error('consumer stopping or rebalanced; batch abandoned uncommitted')
    })
    await c.start()
    await deliver(consumers[0]!, messages(0, 3), () => active)
    expect(consumers[0]!.commits).toEqual([])
    expect(c.health().sinkHealthy).toBe(true)
  })

  it('restarts a consumer kafkajs gave up on, and stays live while it does', async () => {
    const { kafka, consumers } = fakeKafka({ failConnects: 2 })
    const c = consumerOf(kafka, async () => {})
    await c.start()
    for (const h of consumers[0]!.handlers.get('crash') ?? [])
      h({ payload: { error: new Error('The coordinator is not aware of this member'), restart: false } })
    expect(c.health()).toMatchObject({ running: false, live: true })
    expect(await until(() => c.health().running)).toBe(true)
    expect(consumers.length).toBe(4) // two failed connects, then one that runs
    expect(c.health()).toMatchObject({ running: true, live: true, restarts: 1 })
    await deliver(consumers.at(-1)!, messages(0, 2))
    expect(consumers.at(-1)!.commits).toEqual([[{ topic: 't', partition: 0, offset: '2' }]])
    await c.stop()
  })

  it('reports not live when it stays down past the grace', async () => {
    const { kafka, consumers } = fakeKafka({ failConnects: 1_000 })
    const c = consumerOf(kafka, async () => {}, 30)
    await c.start()
    for (const h of consumers[0]!.handlers.get('crash') ?? [])
      h({ payload: { error: new Error('The coordinator is not aware of this member'), restart: false } })
    expect(await until(() => !c.health().live, 2000)).toBe(true)
    expect(c.health().running).toBe(false)
    await c.stop()
  })
})
