import { modelConfig, type VigilConfig } from '@vigil/config'
import { createEventParser, type OutcomeEvent } from '@vigil/events'
import { createBatchConsumer, type PartitionBatch, toDlqMessage } from '@vigil/kafka'
import { Counter } from '@vigil/observability'
import { performanceOf } from '@vigil/outcomes'
import { consumerService, type Service, type ServiceDeps } from '@vigil/runtime'
import type { KafkaMessage } from 'kafkajs'
import { coverage, outcomeWindows, performanceMessage, windowRows } from './steps/window.js'
import { countPredictions, loadOutcomes, saveWindow } from './store.js'

export type PerformanceDeps = ServiceDeps

type PerformanceConfig = Pick<VigilConfig, 'kafka' | 'performance' | 'models'>

/**
 * The performance service: consumes `vigil.outcomes`; for every window (of prediction time) a
 * batch touches, recomputes the window's accuracy from ClickHouse `outcomes` (each prediction
 * once), writes `performance_windows` at version = labelled predictions and publishes it on
 * `vigil.metrics`, then commits. A window is recomputed once per batch however many of its
 * labels the batch holds; a restart recomputes the same version from the same rows.
 */
export function createPerformance(config: PerformanceConfig, deps: PerformanceDeps): Service {
  const { kafka, producer, ch, registry } = deps
  const log = deps.log.child({ service: 'performance' })
  const parser = createEventParser('outcome')
  const metrics = {
    windows: new Counter({
      name: 'vigil_performance_windows_published_total',
      help: 'Accuracy windows computed and published (each re-publication counts)',
      registers: [registry],
    }),
    invalid: new Counter({
      name: 'vigil_performance_dlq_total',
      help: 'Outcome messages sent to the DLQ',
      registers: [registry],
    }),
  }

  async function handleBatch(batch: PartitionBatch): Promise<void> {
    const outcomes: OutcomeEvent[] = []
    const invalid: { message: KafkaMessage; reason: string }[] = []
    for (const message of batch.messages) {
      const r = parser.parse(message.value ?? Buffer.alloc(0))
      if (r.ok) outcomes.push(r.value)
      else invalid.push({ message, reason: r.reason })
    }
    if (invalid.length > 0) {
      const source = {
        topic: batch.topic,
        partition: batch.partition,
        service: 'performance',
        step: 'validate',
      }
      await producer.send(
        config.kafka.topics.dlq,
        invalid.map((i) => toDlqMessage(i.message, source, i.reason)),
      )
      metrics.invalid.inc(invalid.length)
    }
    const messages = []
    for (const w of outcomeWindows(outcomes, (m) => modelConfig(config, m).window)) {
      const rows = await loadOutcomes(ch, w)
      const counts = { nPredictions: await countPredictions(ch, w), nLabelled: rows.length }
      const p = performanceOf(rows, modelConfig(config, w.modelId))
      await saveWindow(ch, w, p.task, counts, coverage(counts), windowRows(p, counts))
      messages.push(performanceMessage(w, p, counts))
    }
    await producer.send(
      config.kafka.topics.metrics,
      messages.map((m) => ({ key: m.model_id, value: JSON.stringify(m) })),
    )
    metrics.windows.inc(messages.length)
  }

  const consumer = createBatchConsumer({
    kafka,
    name: 'performance',
    groupId: config.performance.group_id,
    topics: [config.kafka.topics.outcomes],
    log,
    registry,
    handleBatch,
  })

  return consumerService('performance', consumer)
}
