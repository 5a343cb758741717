import { createLogger } from '@vigil/observability'
import { describe, expect, it } from 'vitest'
import { createKafka } from '../src/client.js'
import { createProducer } from '../src/producer.js'
import { ensureTopics } from '../src/topics.js'

const brokers = [process.env.KAFKA_BROKERS ?? `127.0.0.1:${process.env.KAFKA_PORT ?? 9092}`]

describe('producer on the real broker', () => {
  it('sends 6 MB in one call: split into requests the broker accepts, every message once, in order', async () => {
    const kafka = createKafka({
      brokers,
      client_id: 'producer-test',
      log: createLogger({ name: 't', level: 'silent' }),
    })
    const topic = `producer-test-${Date.now()}`
    await ensureTopics(kafka, [topic], { partitions: 1, replication_factor: 1 })
    const producer = createProducer(kafka)
    await producer.start()
    const n = 20_000
    await producer.send(
      topic,
      Array.from({ length: n }, (_, i) => ({ key: 'm', value: JSON.stringify({ i, pad: 'x'.repeat(280) }) })),
    )
    await producer.stop()
    const admin = kafka.admin()
    await admin.connect()
    const [offsets] = await admin.fetchTopicOffsets(topic)
    await admin.disconnect()
    expect(Number(offsets!.high)).toBe(n)
  })
})
