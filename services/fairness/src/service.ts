import { setTimeout as sleep } from 'node:timers/promises'
import { type ModelConfig, modelConfig, type VigilConfig } from '@vigil/config'
import { createEventParser, type PredictionEvent } from '@vigil/events'
import { type BatchContext, createBatchConsumer, type PartitionBatch, toDlqMessage } from '@vigil/kafka'
import { Counter } from '@vigil/observability'
import { type ModelWindow, touchedWindows } from '@vigil/outcomes'
import { consumerService, type Service, type ServiceDeps } from '@vigil/runtime'
import { type AttributeFairness, fairnessFromCounts } from '@vigil/stats'
import type { KafkaMessage } from 'kafkajs'
import { fairnessMessage, fairnessRows } from './steps/window.js'
import { isRecorded, loadGroupCounts, saveWindow } from './store.js'

export type FairnessDeps = ServiceDeps

type FairnessConfig = Pick<VigilConfig, 'kafka' | 'fairness' | 'models'>

/**
 * The fairness service: consumes `vigil.predictions` (selection rates) and `vigil.outcomes`
 * (the label-based rates). For every window a batch touches, of a model with a positive class and
 * sensitive attributes in vigil.yaml, it aggregates groups from ClickHouse — selections over the
 * recorded predictions, confusion counts over the outcomes — writes `fairness_windows` and
 * publishes family=fairness on `vigil.metrics`, then commits. A predictions batch first waits
 * until the recorder has stored it, so a window never misses predictions it was triggered by.
 */
export function createFairness(config: FairnessConfig, deps: FairnessDeps): Service {
  const { kafka, producer, ch, registry } = deps
  const log = deps.log.child({ service: 'fairness' })
  const parsers = { prediction: createEventParser('prediction'), outcome: createEventParser('outcome') }
  const metrics = {
    windows: new Counter({
      name: 'vigil_fairness_windows_published_total',
      help: 'Fairness windows computed and published (each re-publication counts)',
      registers: [registry],
    }),
    invalid: new Counter({
      name: 'vigil_fairness_invalid_predictions_total',
      help: 'Invalid prediction events skipped (the recorder sends them to the DLQ)',
      registers: [registry],
    }),
  }
  const unconfigured = new Set<string>()

  /** Models fairness can judge: a positive class and at least one sensitive attribute. */
  function settings(modelId: string) {
    const m = modelConfig(config, modelId)
    if (m.positive_class !== undefined && Object.keys(m.sensitive_attributes).length > 0) return m
    if (!unconfigured.has(modelId)) {
      unconfigured.add(modelId)
      log.info(
        { model: modelId },
        'no positive_class or sensitive_attributes in vigil.yaml: no fairness windows',
      )
    }
    return undefined
  }

  async function waitForRecorder(last: PredictionEvent, ctx: BatchContext): Promise<void> {
    const p = { modelId: last.model_id, time: Date.parse(last.timestamp), predictionId: last.prediction_id }
    const until = Date.now() + config.fairness.recorder_wait
    while (!(await isRecorded(ch, p))) {
      if (Date.now() > until || !ctx.isActive())
        throw new Error(
          `prediction ${p.predictionId} of model ${p.modelId} not recorded yet: is the recorder running?`,
        )
      await sleep(200)
      await ctx.heartbeat()
    }
  }

  async function compute(w: ModelWindow, m: ModelConfig): Promise<void> {
    const attributes: Record<string, AttributeFairness> = {}
    const totals = { version: 0, predictions: 0, labelled: 0 }
    for (const [attribute, { reference_group: referenceGroup }] of Object.entries(m.sensitive_attributes)) {
      const { counts, predictions, labelled } = await loadGroupCounts(ch, w, attribute, m.positive_class!)
      attributes[attribute] = fairnessFromCounts(counts, referenceGroup)
      totals.version += predictions + labelled
      totals.predictions = Math.max(totals.predictions, predictions)
      totals.labelled = Math.max(totals.labelled, labelled)
    }
    await saveWindow(
      ch,
      w,
      totals.version,
      Object.entries(attributes).flatMap(([a, f]) => fairnessRows(a, f)),
    )
    const message = fairnessMessage(w, attributes, totals)
    await producer.send(config.kafka.topics.metrics, [
      { key: message.model_id, value: JSON.stringify(message) },
    ])
    metrics.windows.inc()
  }

  async function handleBatch(batch: PartitionBatch, ctx: BatchContext): Promise<void> {
    const isPredictions = batch.topic === config.kafka.topics.predictions
    const events: { modelId: string; modelVersion: string; time: number }[] = []
    const invalidOutcomes: { message: KafkaMessage; reason: string }[] = []
    let last: PredictionEvent | undefined
    for (const message of batch.messages) {
      const value = message.value ?? Buffer.alloc(0)
      if (isPredictions) {
        // An invalid prediction goes to the DLQ once, from the recorder, which reads every raw event.
        const r = parsers.prediction.parse(value)
        if (!r.ok) metrics.invalid.inc()
        else {
          last = r.value
          events.push({
            modelId: r.value.model_id,
            modelVersion: r.value.model_version,
            time: Date.parse(r.value.timestamp),
          })
        }
      } else {
        const r = parsers.outcome.parse(value)
        if (!r.ok) invalidOutcomes.push({ message, reason: r.reason })
        else
          events.push({
            modelId: r.value.model_id,
            modelVersion: r.value.model_version,
            time: Date.parse(r.value.prediction_time),
          })
      }
    }
    if (invalidOutcomes.length > 0) {
      const source = { topic: batch.topic, partition: batch.partition, service: 'fairness', step: 'validate' }
      await producer.send(
        config.kafka.topics.dlq,
        invalidOutcomes.map((i) => toDlqMessage(i.message, source, i.reason)),
      )
    }
    const windows = touchedWindows(events, (m) => modelConfig(config, m).window).flatMap((w) => {
      const m = settings(w.modelId)
      return m ? [{ w, m }] : []
    })
    if (windows.length === 0) return
    if (last) await waitForRecorder(last, ctx)
    for (const { w, m } of windows) await compute(w, m)
  }

  const consumer = createBatchConsumer({
    kafka,
    name: 'fairness',
    groupId: config.fairness.group_id,
    topics: [config.kafka.topics.predictions, config.kafka.topics.outcomes],
    log,
    registry,
    handleBatch,
  })

  return consumerService('fairness', consumer)
}
