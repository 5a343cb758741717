import { modelConfig, type VigilConfig } from '@vigil/config'
import { createEventParser, type OutcomeEvent } from '@vigil/events'
import { createStageConsumer, type Stage } from '@vigil/kafka'
import { Counter } from '@vigil/observability'
import { windowKey } from '@vigil/outcomes'
import { consumerService, type Service, type ServiceDeps } from '@vigil/runtime'
import { planPerformance, touched, type WindowReading } from './steps/plan.js'
import { countPredictions, loadOutcomes } from './store.js'

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
  const { ch, registry } = deps
  const log = deps.log.child({ service: 'performance' })
  const parser = createEventParser('outcome')
  const settings = (modelId: string) => modelConfig(config, modelId)
  const windows = new Counter({
    name: 'vigil_performance_windows_published_total',
    help: 'Accuracy windows computed and published (each re-publication counts)',
    registers: [registry],
  })

  const stage: Stage<undefined, OutcomeEvent, Map<string, WindowReading>> = {
    name: 'performance',
    groupId: config.performance.group_id,
    inputs: { [config.kafka.topics.outcomes]: { decode: (b) => parser.parse(b), invalid: 'dlq' } },
    load: async () => undefined,
    async read(_state, inputs) {
      const readings = new Map<string, WindowReading>()
      for (const w of touched(inputs, settings))
        readings.set(windowKey(w), {
          outcomes: await loadOutcomes(ch, w),
          nPredictions: await countPredictions(ch, w),
        })
      return readings
    },
    plan(_state, inputs, { read }) {
      const plan = planPerformance(inputs, read, settings, config.kafka.topics.metrics)
      return { ...plan, after: () => windows.inc(plan.windows) }
    },
  }

  const consumer = createStageConsumer(stage, { ...deps, log, dlqTopic: config.kafka.topics.dlq })
  return consumerService('performance', consumer)
}
