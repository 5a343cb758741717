export type { KafkaMessage } from 'kafkajs'
export { createKafka, type KafkaOptions } from './client.js'
export {
  type BatchConsumer,
  type BatchConsumerOptions,
  type BatchContext,
  type ConsumerHealth,
  createBatchConsumer,
  type PartitionBatch,
} from './consumer.js'
export { DLQ_HEADERS, type DlqSource, readDlqHeaders, toDlqMessage } from './dlq.js'
export { createProducer, type OutMessage, type VigilProducer } from './producer.js'
export { keyOf, replayFile } from './replay.js'
export { ensureTopics } from './topics.js'
