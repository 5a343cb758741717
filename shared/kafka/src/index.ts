export type { KafkaMessage } from 'kafkajs'
export { coPartitioned, coPartitionedAssigner } from './assigner.js'
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
export {
  createStageConsumer,
  type Decoded,
  type Input,
  type Plan,
  type PlanContext,
  type Poisoned,
  planIsolating,
  type ReadContext,
  type RecordMeta,
  type RowWrite,
  type Stage,
  type StageConsumer,
  type StageDeps,
  type StageHealth,
  type StageOptions,
  type TopicInput,
  type TopicPartition,
  type TopicWrite,
  type Write,
} from './stage.js'
export { ensureTopics } from './topics.js'
