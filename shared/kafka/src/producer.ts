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
      if (messages.length === 0) return
      await producer.send({ topic, acks: -1, messages: messages as Message[] })
    },
    start: () => producer.connect(),
    stop: () => producer.disconnect(),
  }
}
