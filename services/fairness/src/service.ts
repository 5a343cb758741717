import { setTimeout as sleep } from 'node:timers/promises'
import { modelConfig, type VigilConfig } from '@vigil/config'
import { createEventParser, type PredictionEvent } from '@vigil/events'
import { createStageConsumer, type ReadContext, type Stage } from '@vigil/kafka'
import { Counter } from '@vigil/observability'
import {
  judged,
  type Readings,
  republishing,
  type Schedule,
  type WindowReading,
  windowsGroupCounts,
} from '@vigil/outcomes'
import { consumerService, type Service, type ServiceDeps } from '@vigil/runtime'
import { type FairnessEvent, planFairness, touched, windowVersion } from './steps/plan.js'
import { isRecorded } from './store.js'

export type FairnessDeps = ServiceDeps

type FairnessConfig = Pick<VigilConfig, 'kafka' | 'fairness' | 'models'>

/**
 * The fairness service: consumes `vigil.predictions` (selection rates) and `vigil.outcomes`
 * (the label-based rates). For every window a batch touches, of a model with a positive class and
 * sensitive attributes in vigil.yaml, it aggregates groups from ClickHouse — selections over the
 * recorded predictions, confusion counts over the outcomes — writes `fairness_windows` and
 * publishes family=fairness on `vigil.metrics`, then commits; at most once per window per
 * `fairness.republish_interval` (a window touched sooner waits in `window_schedule` for a tick).
 * A predictions batch first waits until the recorder has stored it, so a window never misses
 * predictions it was triggered by.
 */
export function createFairness(config: FairnessConfig, deps: FairnessDeps): Service {
  const { ch, registry } = deps
  const log = deps.log.child({ service: 'fairness' })
  const parsers = { prediction: createEventParser('prediction'), outcome: createEventParser('outcome') }
  const windows = new Counter({
    name: 'vigil_fairness_windows_published_total',
    help: 'Fairness windows computed and published (each re-publication counts)',
    registers: [registry],
  })
  const settings = (modelId: string) => modelConfig(config, modelId)
  const unconfigured = new Set<string>()

  function announceUnjudged(inputs: readonly { event: FairnessEvent }[]): void {
    // Once per model of the batch, not per event: resolving a model's settings merges its layers.
    for (const model of new Set(inputs.map((i) => i.event.model_id))) {
      if (unconfigured.has(model) || judged(settings(model))) continue
      unconfigured.add(model)
      log.info({ model }, 'no positive_class or sensitive_attributes in vigil.yaml: no fairness windows')
    }
  }

  async function waitForRecorder(last: PredictionEvent, ctx: ReadContext): Promise<void> {
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

  const schedule = republishing({
    ch,
    group: config.fairness.group_id,
    intervalMs: config.fairness.republish_interval,
    metricsTopic: config.kafka.topics.metrics,
    read: (ws) => windowsGroupCounts(ch, ws, settings),
    stored: {
      table: 'fairness_windows',
      of: (r) => ({ version: windowVersion(r), signature: windowVersion(r) }),
    },
  })
  const counted = <P extends { windows: number }>(plan: P) => ({
    ...plan,
    after: () => windows.inc(plan.windows),
  })

  const stage: Stage<Schedule, FairnessEvent, Readings<WindowReading>, Readings<WindowReading>> = {
    name: 'fairness',
    groupId: config.fairness.group_id,
    inputs: {
      // An invalid prediction goes to the DLQ once, from the recorder, which reads every raw event.
      [config.kafka.topics.predictions]: { decode: (b) => parsers.prediction.parse(b), invalid: 'skip' },
      [config.kafka.topics.outcomes]: { decode: (b) => parsers.outcome.parse(b), invalid: 'dlq' },
    },
    load: schedule.load,
    // Which windows are computed now is decided here, once: the plan computes what was read.
    async read(state, inputs, ctx) {
      announceUnjudged(inputs)
      const windowsTouched = touched(inputs, settings)
      if (windowsTouched.length === 0) return new Map()
      // Also when every window is put off: the tick that computes them later must find the batch stored.
      const last = inputs.at(-1)?.event
      if (ctx.tp.topic === config.kafka.topics.predictions && last && 'timestamp' in last)
        await waitForRecorder(last, ctx)
      return schedule.readTouched(state, windowsTouched)
    },
    plan: (state, inputs, { tp, now, read }) =>
      counted(planFairness(state, touched(inputs, settings), read, settings, schedule.context(tp, now))),
    tick: {
      everyMs: schedule.tickEveryMs,
      read: schedule.readDue,
      plan: (state, { tp, now, read }) =>
        read.size === 0
          ? undefined
          : counted(planFairness(state, [], read, settings, schedule.context(tp, now))),
    },
  }

  const consumer = createStageConsumer(
    stage,
    { ...deps, log, dlqTopic: config.kafka.topics.dlq },
    // One partition's plan runs while another's queries and inserts are in the engine.
    { partitionsConsumedConcurrently: 3 },
  )
  return consumerService('fairness', consumer)
}
