import { modelConfig, type VigilConfig } from '@vigil/config'
import { createEventParser, type OutcomeEvent } from '@vigil/events'
import { createStageConsumer, type Stage } from '@vigil/kafka'
import { Counter } from '@vigil/observability'
import { type Readings, republishing, type Schedule, windowKey, windowsPerformance } from '@vigil/outcomes'
import { consumerService, type Service, type ServiceDeps } from '@vigil/runtime'
import { planPerformance, touched, type WindowReading } from './steps/plan.js'
import { countPredictions } from './store.js'

export type PerformanceDeps = ServiceDeps

type PerformanceConfig = Pick<VigilConfig, 'kafka' | 'performance' | 'models'>

/**
 * The performance service: consumes `vigil.outcomes`; for every window (of prediction time) a
 * batch touches, has ClickHouse sum the window's outcomes (`outcomes FINAL`, each prediction
 * once) into its accuracy, writes `performance_windows` at version = labelled predictions and
 * publishes it on `vigil.metrics`, then commits. A window is computed at most once per
 * `performance.republish_interval`: one touched sooner waits in `window_schedule` and a tick
 * computes it when its interval has passed. A restart computes the same version from the same rows.
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

  const schedule = republishing({
    ch,
    group: config.performance.group_id,
    intervalMs: config.performance.republish_interval,
    metricsTopic: config.kafka.topics.metrics,
    read: async (ws) => {
      const accuracy = await windowsPerformance(ch, ws, settings)
      const predictions = await countPredictions(ch, ws)
      const readings = new Map<string, WindowReading>()
      for (const w of ws) {
        const a = accuracy.get(windowKey(w))
        if (a === undefined) continue
        readings.set(windowKey(w), { ...a, nPredictions: predictions.get(windowKey(w)) ?? 0 })
      }
      return readings
    },
    stored: {
      table: 'performance_windows',
      of: (r) => ({ version: r.nLabelled, signature: r.nPredictions }),
    },
  })
  const counted = <P extends { windows: number }>(plan: P) => ({
    ...plan,
    after: () => windows.inc(plan.windows),
  })

  const stage: Stage<Schedule, OutcomeEvent, Readings<WindowReading>, Readings<WindowReading>> = {
    name: 'performance',
    groupId: config.performance.group_id,
    inputs: { [config.kafka.topics.outcomes]: { decode: (b) => parser.parse(b), invalid: 'dlq' } },
    load: schedule.load,
    // Which windows are computed now is decided here, once: the plan computes what was read.
    read: (state, inputs) => schedule.readTouched(state, touched(inputs, settings)),
    plan: (state, inputs, { tp, now, read }) =>
      counted(planPerformance(state, touched(inputs, settings), read, schedule.context(tp, now))),
    tick: {
      everyMs: schedule.tickEveryMs,
      read: schedule.readDue,
      plan: (state, { tp, now, read }) =>
        read.size === 0 ? undefined : counted(planPerformance(state, [], read, schedule.context(tp, now))),
    },
  }

  const consumer = createStageConsumer(
    stage,
    { ...deps, log, dlqTopic: config.kafka.topics.dlq },
    // One partition's plan runs while another's queries and inserts are in the engine.
    { partitionsConsumedConcurrently: 3 },
  )
  return consumerService('performance', consumer)
}
