import { setTimeout as sleep } from 'node:timers/promises'
import type { VigilConfig } from '@vigil/config'
import type { MetricsMessage } from '@vigil/events'
import { createKafka, createProducer, ensureTopics, type OutMessage } from '@vigil/kafka'
import { createLogger } from '@vigil/observability'
import { type IHeaders, type Kafka, Kafka as KafkaClient, logLevel } from 'kafkajs'

/** A plain kafkajs client for tests to produce and inspect topics with. */
export function testKafka(config: VigilConfig): Kafka {
  return new KafkaClient({
    clientId: 'vigil-test',
    brokers: config.kafka.brokers,
    logLevel: logLevel.NOTHING,
  })
}

export async function createTestTopics(config: VigilConfig): Promise<void> {
  const kafka = createKafka({ ...config.kafka, log: createLogger({ name: 'test', level: 'silent' }) })
  await ensureTopics(kafka, Object.values(config.kafka.topics), config.kafka)
}

/** Publishes `values` to `topic`, keyed by their model_id when they have one, in acknowledged batches. */
export async function publish(
  kafka: Kafka,
  topic: string,
  values: readonly (string | object)[],
  batch = 1000,
): Promise<void> {
  const producer = createProducer(kafka)
  await producer.start()
  try {
    for (let i = 0; i < values.length; i += batch) {
      const messages: OutMessage[] = values.slice(i, i + batch).map((v) => ({
        key:
          typeof v === 'object' && v && 'model_id' in v ? String((v as { model_id: string }).model_id) : null,
        value: typeof v === 'string' ? v : JSON.stringify(v),
      }))
      await producer.send(topic, messages)
    }
  } finally {
    await producer.stop()
  }
}

export interface ReadMessage {
  key: string | null
  value: Buffer
  headers: IHeaders
  partition: number
  offset: string
}

/** Reads a topic from the beginning until `count` messages arrived or `timeoutMs` passed. */
export async function readTopic(
  kafka: Kafka,
  topic: string,
  count: number,
  timeoutMs = 20_000,
): Promise<ReadMessage[]> {
  const consumer = kafka.consumer({ groupId: `read-${topic}-${Date.now()}-${Math.random()}` })
  const out: ReadMessage[] = []
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  await consumer.run({
    eachMessage: async ({ message, partition }) => {
      out.push({
        key: message.key?.toString() ?? null,
        value: message.value ?? Buffer.alloc(0),
        headers: message.headers ?? {},
        partition,
        offset: message.offset,
      })
    },
  })
  const until = Date.now() + timeoutMs
  while (out.length < count && Date.now() < until) await sleep(100)
  await consumer.disconnect()
  return out
}

/** Whether the recorder's group caught up with the predictions and labels topics within `timeoutMs`. */
export async function recorderCaughtUp(
  started: { config: VigilConfig; kafka: Kafka },
  timeoutMs = 30_000,
): Promise<boolean> {
  const { config, kafka } = started
  const { predictions, labels } = config.kafka.topics
  return waitFor(
    async () => (await groupLag(kafka, config.recorder.group_id, [predictions, labels])) === 0,
    timeoutMs,
  )
}

/** Sum over partitions of (end offset − committed offset) for a group; 0 when it caught up. */
export async function groupLag(kafka: Kafka, groupId: string, topics: readonly string[]): Promise<number> {
  const admin = kafka.admin()
  await admin.connect()
  try {
    let lag = 0
    const committed = await admin.fetchOffsets({ groupId, topics: [...topics] })
    for (const t of committed) {
      const ends = await admin.fetchTopicOffsets(t.topic)
      for (const p of t.partitions) {
        const end = BigInt(ends.find((e) => e.partition === p.partition)?.high ?? '0')
        const at = p.offset === '-1' ? 0n : BigInt(p.offset)
        lag += Number(end - at)
      }
    }
    return lag
  } finally {
    await admin.disconnect()
  }
}

/** Polls `check` until it returns true or `timeoutMs` passes; returns the last answer. */
export async function waitFor(
  check: () => Promise<boolean> | boolean,
  timeoutMs = 30_000,
  everyMs = 200,
): Promise<boolean> {
  const until = Date.now() + timeoutMs
  for (;;) {
    if (await check()) return true
    if (Date.now() > until) return false
    await sleep(everyMs)
  }
}

/**
 * The newest version of each window on a metrics topic, by `${model_id} ${window_start}`; reads
 * for `waitMs` (a quick look, to poll with {@link waitFor}).
 */
export async function latestWindows(
  kafka: Kafka,
  topic: string,
  waitMs = 1_500,
): Promise<Map<string, MetricsMessage>> {
  const byWindow = new Map<string, MetricsMessage>()
  for (const m of await readTopic(kafka, topic, Number.POSITIVE_INFINITY, waitMs)) {
    const msg = JSON.parse(m.value.toString()) as MetricsMessage
    const key = `${msg.model_id} ${msg.window_start}`
    if ((byWindow.get(key)?.version ?? -1) < msg.version) byWindow.set(key, msg)
  }
  return byWindow
}
