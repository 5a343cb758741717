import { type IHeaders, type Kafka, type Message, Partitioners, type Producer } from 'kafkajs'

export interface OutMessage {
  key?: Buffer | string | null
  value: Buffer | string
  headers?: IHeaders
}

export interface VigilProducer {
  /** Resolves once every message is acknowledged by all in-sync replicas (acks = -1). */
  send(topic: string, messages: readonly OutMessage[]): Promise<void>
  start(): Promise<void>
  stop(): Promise<void>
}

/**
 * The broker refuses a produce request whose record batch for a partition exceeds
 * `message.max.bytes` (1 MB by default; MESSAGE_TOO_LARGE, which kafkajs retries in vain), so a
 * large send goes out in requests of at most this many bytes of keys, values and headers.
 */
export const MAX_REQUEST_BYTES = 512 * 1024

function sizeOf(m: OutMessage): number {
  let n = 64 + (m.key?.length ?? 0) + m.value.length
  for (const [k, v] of Object.entries(m.headers ?? {})) n += k.length + String(v ?? '').length
  return n
}

/** Consecutive runs of messages of at most `maxBytes` each (a larger message alone). */
export function chunkBySize(messages: readonly OutMessage[], maxBytes = MAX_REQUEST_BYTES): OutMessage[][] {
  const chunks: OutMessage[][] = []
  let chunk: OutMessage[] = []
  let bytes = 0
  for (const m of messages) {
    const size = sizeOf(m)
    if (chunk.length > 0 && bytes + size > maxBytes) {
      chunks.push(chunk)
      chunk = []
      bytes = 0
    }
    chunk.push(m)
    bytes += size
  }
  if (chunk.length > 0) chunks.push(chunk)
  return chunks
}

/**
 * A producer whose `send` is durable when it resolves, so a consumer may commit after it.
 * NOTE: kafkajs's idempotent producer is documented as experimental; duplicates from a retried
 * send are instead made harmless downstream (idempotent sinks, offsets in DLQ headers).
 */
export function createProducer(kafka: Kafka): VigilProducer {
  // The default partitioner is murmur2 like the Java client's, so a model's events land on the same
  // partition whichever language published them.
  const producer: Producer = kafka.producer({
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  })
  return {
    async send(topic, messages) {
      // In order, one request at a time: a partition's messages keep their order.
      for (const chunk of chunkBySize(messages))
        await producer.send({ topic, acks: -1, messages: chunk as Message[] })
    },
    start: () => producer.connect(),
    stop: () => producer.disconnect(),
  }
}
