import { type ClickHouse, insertRows, type TableDef } from '@vigil/clickhouse'
import { Counter, type Logger, type Registry } from '@vigil/observability'
import type { Kafka, KafkaMessage } from 'kafkajs'
import {
  type BatchConsumer,
  type BatchConsumerOptions,
  type BatchContext,
  type ConsumerHealth,
  createBatchConsumer,
  type PartitionBatch,
} from './consumer.js'
import { toDlqMessage } from './dlq.js'
import type { OutMessage, VigilProducer } from './producer.js'

/** What a message's bytes decode to: an event, or why it is not one. */
export type Decoded<E> = { ok: true; value: E } | { ok: false; reason: string; code?: string }

export interface TopicInput<E> {
  /**
   * A message's value, and for the decoders that read them its headers (CloudEvents' binary mode)
   * and its key and timestamp (Seldon Core 2 pairs by key).
   */
  decode(bytes: Buffer, headers: Readonly<Record<string, string>>, record: RecordMeta): Decoded<E>
  /**
   * `dlq`: an invalid message goes to the dead-letter topic from this stage. `skip`: it is only
   * counted, because another stage (the recorder, which reads every raw event) sends it there once.
   */
  invalid: 'dlq' | 'skip'
}

/** What a record says besides its value and headers. */
export interface RecordMeta {
  key: string | undefined
  /** ms, as Kafka has it. */
  timestamp: number
}

/** One decoded message of a partition batch, with where it came from. */
export interface Input<E> {
  topic: string
  partition: number
  offset: bigint
  /** The record's timestamp (ms), as Kafka has it. */
  timestamp: number
  event: E
  message: KafkaMessage
}

export interface TopicPartition {
  topic: string
  partition: number
}

/** One durable effect of a plan. Each must be idempotent: it may be applied again after a failure. */
export type Write = RowWrite | TopicWrite

/** Rows into a table, with the token that makes a repeated insert a no-op. */
export interface RowWrite {
  table: TableDef<object>
  rows: readonly object[]
  dedupToken: string
}

/** Messages onto a topic (repeated sends are made harmless downstream). */
export interface TopicWrite {
  topic: string
  messages: readonly OutMessage[]
}

/** What a batch (or a tick) changes: the next state, and the writes that must be durable first. */
export interface Plan<S> {
  next: S
  /** Applied in order; the state becomes `next` only once all are acknowledged. */
  writes: Write[]
  /** What may happen only once and only after the writes (metrics, logs), run by the wrapper then. */
  after?: () => void
}

/** Where a batch comes from, and the consumer's hooks for a read that waits. */
export interface ReadContext extends BatchContext {
  tp: TopicPartition
}

export interface PlanContext<R> {
  /** The partition planned for. */
  tp: TopicPartition
  /** Wall time, ms: read once per batch, so a retried plan sees the same instant. */
  now: number
  /** What `read` returned for this batch. */
  read: R
  /** The batch's last offset, invalid messages included (undefined for a tick). */
  lastOffset?: bigint
}

/**
 * A consumer service as a pure stage (DESIGN §4). The wrapper decodes and dead-letters invalid
 * messages, loads a partition's state when it first sees the partition, runs `read` (lookups, no
 * effects) then `plan`, applies the plan's writes with retries, swaps in `next`, then commits.
 * `plan` must not change `state`: after a failed write the same state is planned again.
 */
export interface Stage<S, E, R = undefined, T = undefined> {
  name: string
  groupId: string
  /** The topics consumed, each with its decoder. */
  inputs: Record<string, TopicInput<E>>
  /** A partition's durable state, when this process first sees it (after a start or rebalance). */
  load(tp: TopicPartition): Promise<S>
  /**
   * The first offset the state does not hold yet: messages below it (re-delivered after a restart
   * or rebalance) are already durable, and are neither decoded nor planned (nor dead-lettered again).
   */
  resumeAt?(state: S): bigint
  /** Read-only lookups the plan needs (ClickHouse); retried like writes when they fail. */
  read?(state: S, inputs: readonly Input<E>[], ctx: ReadContext): Promise<R>
  plan(state: S, inputs: readonly Input<E>[], ctx: PlanContext<R>): Plan<S>
  /**
   * The partitions this consumer owns after a rebalance (all of them, also those it kept), for a
   * service with work of its own that follows the partitions (the rules service's outbox).
   */
  assigned?(partitions: readonly TopicPartition[]): void
  /** Work driven by wall time (idle closes, retries): per loaded partition, between its batches. */
  tick?: {
    everyMs: number
    read?(state: S, tp: TopicPartition): Promise<T>
    /** Nothing to do: undefined. */
    plan(state: S, ctx: PlanContext<T>): Plan<S> | undefined
  }
}

export interface StageDeps {
  kafka: Kafka
  producer: VigilProducer
  ch: ClickHouse
  log: Logger
  registry: Registry
  dlqTopic: string
}

export type StageOptions = Pick<
  BatchConsumerOptions,
  | 'minBytes'
  | 'maxWaitTimeInMs'
  | 'partitionsConsumedConcurrently'
  | 'coPartitioned'
  | 'retryInitialMs'
  | 'retryMaxMs'
  | 'livenessGraceMs'
  | 'fromBeginning'
>

export interface StageHealth extends ConsumerHealth {
  /** Consecutive failed ticks (their writes are retried on the next tick). */
  tickFailures: number
}

export interface StageConsumer extends Omit<BatchConsumer, 'health'> {
  health(): StageHealth
}

/** An error of a stage's pure code on one input; that input goes to the DLQ, the rest goes on. */
export interface Poisoned<E> {
  input: Input<E>
  error: Error
}

/**
 * Plans `inputs`, setting aside those on which `plan` throws. The plan of all is tried first; when
 * it throws, each half is planned, the second from the first's next state, down to single inputs.
 * Deterministic, so a retried batch sets aside the same inputs and plans the same writes.
 */
export function planIsolating<S, E, R>(
  plan: (state: S, inputs: readonly Input<E>[], ctx: PlanContext<R>) => Plan<S>,
  state: S,
  inputs: readonly Input<E>[],
  ctx: PlanContext<R>,
): { plan: Plan<S>; poisoned: Poisoned<E>[] } {
  try {
    return { plan: plan(state, inputs, ctx), poisoned: [] }
  } catch (err) {
    const [input] = inputs
    if (inputs.length === 1 && input)
      return { plan: { next: state, writes: [] }, poisoned: [{ input, error: asError(err) }] }
    if (inputs.length === 0) throw err
    const half = Math.ceil(inputs.length / 2)
    const left = planIsolating(plan, state, inputs.slice(0, half), ctx)
    const right = planIsolating(plan, left.plan.next, inputs.slice(half), ctx)
    const afters = [left.plan.after, right.plan.after]
    return {
      plan: {
        next: right.plan.next,
        writes: [...left.plan.writes, ...right.plan.writes],
        after: () => {
          for (const a of afters) a?.()
        },
      },
      poisoned: [...left.poisoned, ...right.poisoned],
    }
  }
}

const asError = (err: unknown): Error => (err instanceof Error ? err : new Error(String(err)))

function stageMetrics(registry: Registry) {
  const existing = registry.getSingleMetric('vigil_stage_dlq_total')
  if (existing)
    return {
      dlq: existing as Counter<'stage' | 'topic' | 'code'>,
      invalid: registry.getSingleMetric('vigil_stage_invalid_skipped_total') as Counter<'stage' | 'topic'>,
      skipped: registry.getSingleMetric('vigil_stage_redelivered_skipped_total') as Counter<'stage'>,
    }
  return {
    dlq: new Counter({
      name: 'vigil_stage_dlq_total',
      help: "Messages a stage sent to the DLQ, by why: the decoder's code (schema, too_large, …) or plan_error (its code threw on it)",
      labelNames: ['stage', 'topic', 'code'],
      registers: [registry],
    }),
    invalid: new Counter({
      name: 'vigil_stage_invalid_skipped_total',
      help: 'Invalid messages a stage skipped because another one (the recorder) sends them to the DLQ',
      labelNames: ['stage', 'topic'],
      registers: [registry],
    }),
    skipped: new Counter({
      name: 'vigil_stage_redelivered_skipped_total',
      help: 'Re-delivered messages skipped because the state already held them (after a restart or rebalance)',
      labelNames: ['stage'],
      registers: [registry],
    }),
  }
}

interface Slot<S> {
  tp: TopicPartition
  state: S
  /** Batches and ticks of a partition run one after another. */
  lock: Promise<unknown>
}

/** A plan whose writes are under way, kept across retries of the same batch. */
interface Pending<S> {
  from: string
  to: string
  /** The state it was planned from: a tick that changed the state in between voids it. */
  basis: S
  plan: Plan<S>
  applied: number
}

/**
 * Runs a stage on a consumer group (see `Stage`). Retries redo only what failed: a failed `read`
 * or `load` is read again; a failed write is applied again from that write on, with the same
 * plan. Offsets are committed only after the writes are acknowledged.
 * @example const c = createStageConsumer(driftStage, { kafka, producer, ch, log, registry, dlqTopic })
 */
export function createStageConsumer<S, E, R, T>(
  stage: Stage<S, E, R, T>,
  deps: StageDeps,
  options: StageOptions = {},
): StageConsumer {
  const { producer, ch, log } = deps
  const metrics = stageMetrics(deps.registry)
  const slots = new Map<string, Slot<S>>()
  /** The partitions of the current assignment. */
  let assigned: TopicPartition[] = []
  /** Bumped on every rebalance: a load begun before one must not fill a slot after it. */
  let generation = 0
  const pending = new Map<string, Pending<S>>()
  let tickFailures = 0

  async function apply(write: Write): Promise<void> {
    if ('table' in write) await insertRows(ch, write.table, write.rows, { dedupToken: write.dedupToken })
    else if (write.messages.length > 0) await producer.send(write.topic, write.messages)
  }

  /** The batch's inputs, its invalid messages' DLQ copies, and the counts to record once it is durable. */
  function decode(batch: PartitionBatch, resumeAt: bigint) {
    const input = stage.inputs[batch.topic]
    if (!input) throw new Error(`stage ${stage.name} received topic ${batch.topic} it does not consume`)
    const source = { topic: batch.topic, partition: batch.partition, service: stage.name, step: 'validate' }
    const inputs: Input<E>[] = []
    const dlq: OutMessage[] = []
    const counts = { skipped: 0, invalidSkipped: 0, dlqByCode: new Map<string, number>() }
    for (const message of batch.messages) {
      const offset = BigInt(message.offset)
      if (offset < resumeAt) {
        counts.skipped++
        continue
      }
      const timestamp = Number(message.timestamp)
      const r = input.decode(message.value ?? Buffer.alloc(0), headersOf(message), {
        key: message.key?.toString('utf8'),
        timestamp,
      })
      if (r.ok) {
        inputs.push({
          topic: batch.topic,
          partition: batch.partition,
          offset,
          timestamp,
          event: r.value,
          message,
        })
      } else if (input.invalid === 'dlq') {
        dlq.push(toDlqMessage(message, source, r.reason))
        const code = r.code ?? 'invalid'
        counts.dlqByCode.set(code, (counts.dlqByCode.get(code) ?? 0) + 1)
      } else counts.invalidSkipped++
    }
    return { inputs, dlq, counts }
  }

  async function slotOf(tp: TopicPartition): Promise<Slot<S>> {
    const key = `${tp.topic}:${tp.partition}`
    const known = slots.get(key)
    if (known) return known
    const loadedIn = generation
    const slot: Slot<S> = { tp, state: await stage.load(tp), lock: Promise.resolve() }
    // Another batch or tick may have loaded it meanwhile; keep the first.
    const raced = slots.get(key)
    if (raced) return raced
    // After a rebalance during the load, the slot is not kept: work on it is abandoned or redone.
    if (loadedIn === generation) slots.set(key, slot)
    return slot
  }

  /** Runs `work` after everything queued for the partition's slot. */
  function serialized<X>(slot: Slot<S>, work: () => Promise<X>): Promise<X> {
    const run = slot.lock.then(work, work)
    slot.lock = run.catch(() => undefined)
    return run
  }

  async function planBatch(slot: Slot<S>, batch: PartitionBatch, ctx: BatchContext): Promise<Plan<S>> {
    const tp = { topic: batch.topic, partition: batch.partition }
    const { inputs, dlq, counts } = decode(batch, stage.resumeAt?.(slot.state) ?? 0n)
    const read = stage.read ? await stage.read(slot.state, inputs, { ...ctx, tp }) : (undefined as R)
    const { plan, poisoned } = planIsolating(stage.plan, slot.state, inputs, {
      tp,
      now: Date.now(),
      read,
      lastOffset: BigInt(batch.messages.at(-1)?.offset ?? -1),
    })
    const source = { ...tp, service: stage.name, step: 'plan' }
    for (const p of poisoned) {
      log.error(
        {
          err: p.error,
          topic: p.input.topic,
          partition: p.input.partition,
          offset: p.input.offset.toString(),
        },
        'the stage’s code failed on this message: sent to the DLQ, the partition goes on',
      )
      dlq.push(toDlqMessage(p.input.message, source, `${p.error.name}: ${p.error.message}`))
    }
    if (poisoned.length > 0) counts.dlqByCode.set('plan_error', poisoned.length)
    const writes: Write[] =
      dlq.length > 0 ? [{ topic: deps.dlqTopic, messages: dlq }, ...plan.writes] : plan.writes
    const after = () => {
      const labels = { stage: stage.name, topic: batch.topic }
      for (const [code, n] of counts.dlqByCode) metrics.dlq.inc({ ...labels, code }, n)
      if (counts.invalidSkipped > 0) metrics.invalid.inc(labels, counts.invalidSkipped)
      if (counts.skipped > 0) metrics.skipped.inc({ stage: stage.name }, counts.skipped)
      plan.after?.()
    }
    return { ...plan, writes, after }
  }

  async function handleBatch(batch: PartitionBatch, ctx: BatchContext): Promise<void> {
    const key = `${batch.topic}:${batch.partition}`
    const slot = await slotOf({ topic: batch.topic, partition: batch.partition })
    await serialized(slot, async () => {
      const from = batch.messages[0]?.offset ?? ''
      const to = batch.messages.at(-1)?.offset ?? ''
      let p = pending.get(key)
      if (!p || p.from !== from || p.to !== to || p.basis !== slot.state) {
        p = { from, to, basis: slot.state, plan: await planBatch(slot, batch, ctx), applied: 0 }
        pending.set(key, p)
      }
      while (p.applied < p.plan.writes.length) {
        if (!ctx.isActive()) throw new Error('consumer stopping or rebalanced; batch abandoned uncommitted')
        await apply(p.plan.writes[p.applied]!)
        p.applied++
        await ctx.heartbeat()
      }
      pending.delete(key)
      // A rebalance while the writes were under way dropped this slot: the next owner loads it.
      if (slots.get(key) === slot) slot.state = p.plan.next
      p.plan.after?.()
    })
  }

  async function tickAll(): Promise<void> {
    const tick = stage.tick
    if (!tick) return
    // Every assigned partition, also one that had no batch since the assignment: its state (say,
    // windows left open before a restart) has idle work too.
    const gen = generation
    for (const tp of assigned) if (gen === generation) await slotOf(tp)
    for (const [key, slot] of [...slots]) {
      await serialized(slot, async () => {
        if (slots.get(key) !== slot) return
        const read = tick.read ? await tick.read(slot.state, slot.tp) : (undefined as T)
        const plan = tick.plan(slot.state, { tp: slot.tp, now: Date.now(), read })
        if (!plan) return
        for (const w of plan.writes) await apply(w)
        if (slots.get(key) === slot) slot.state = plan.next
        plan.after?.()
      })
    }
  }

  const consumer = createBatchConsumer({
    ...options,
    kafka: deps.kafka,
    name: stage.name,
    groupId: stage.groupId,
    topics: Object.keys(stage.inputs),
    log,
    registry: deps.registry,
    handleBatch,
    // A new assignment may bring partitions another consumer advanced: load their states again.
    onRebalance: (assignment) => {
      slots.clear()
      pending.clear()
      generation++
      assigned = Object.entries(assignment).flatMap(([topic, ps]) =>
        ps.map((partition) => ({ topic, partition })),
      )
      stage.assigned?.(assigned)
    },
  })

  let timer: NodeJS.Timeout | undefined
  let ticking: Promise<void> | undefined
  return {
    async start() {
      await consumer.start()
      if (stage.tick)
        timer = setInterval(() => {
          ticking ??= tickAll()
            .then(
              () => {
                tickFailures = 0
              },
              (err: unknown) => {
                tickFailures++
                log.warn({ err }, `${stage.name} tick failed; trying again on the next one`)
              },
            )
            .finally(() => {
              ticking = undefined
            })
        }, stage.tick.everyMs)
    },
    async stop() {
      clearInterval(timer)
      await consumer.stop()
      await ticking
      await Promise.all([...slots.values()].map((s) => s.lock))
    },
    health: () => ({ ...consumer.health(), tickFailures }),
  }
}

/** A message's headers as text (kafkajs gives Buffers, or arrays of them for repeated headers). */
function headersOf(message: KafkaMessage): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(message.headers ?? {}))
    if (v !== undefined) out[k] = String(Array.isArray(v) ? v[0] : v)
  return out
}
