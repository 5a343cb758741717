import type { Kafka, KafkaMessage } from 'kafkajs'

// A stand-in for kafkajs at the consumer API vigil uses: it hands batches to eachBatch, records
// commits, and can crash the way kafkajs does when it gives up on a consumer.
export type Handler = (e: { payload: Record<string, unknown> }) => void
export interface FakeConsumer {
  handlers: Map<string, Handler[]>
  eachBatch?: (p: Record<string, unknown>) => Promise<void>
  commits: { topic: string; partition: number; offset: string }[][]
  active: boolean
}

export function fakeKafka(options: { failConnects?: number } = {}) {
  const consumers: FakeConsumer[] = []
  let failConnects = options.failConnects ?? 0
  const kafka = {
    consumer() {
      const f: FakeConsumer = { handlers: new Map(), commits: [], active: true }
      consumers.push(f)
      const events = { FETCH: 'fetch', HEARTBEAT: 'heartbeat', GROUP_JOIN: 'join', CRASH: 'crash' }
      return {
        events,
        on(event: string, fn: Handler) {
          f.handlers.set(event, [...(f.handlers.get(event) ?? []), fn])
        },
        async connect() {
          if (consumers.length > 1 && failConnects-- > 0) throw new Error('broker not available')
        },
        async subscribe() {},
        async run(o: { eachBatch: FakeConsumer['eachBatch'] }) {
          f.eachBatch = o.eachBatch
        },
        async disconnect() {
          f.active = false
        },
        async commitOffsets(c: FakeConsumer['commits'][number]) {
          f.commits.push(c)
        },
      }
    },
  } as unknown as Kafka
  return { kafka, consumers }
}

export const messages = (from: number, n: number): KafkaMessage[] =>
  Array.from(
    { length: n },
    (_, i) => ({ offset: String(from + i), value: Buffer.from('{}') }) as KafkaMessage,
  )

export async function deliver(
  f: FakeConsumer,
  msgs: KafkaMessage[],
  isActive: () => boolean = () => true,
  where: { topic: string; partition: number } = { topic: 't', partition: 0 },
) {
  await f.eachBatch!({
    batch: {
      ...where,
      messages: msgs,
      isEmpty: () => msgs.length === 0,
      lastOffset: () => msgs.at(-1)!.offset,
      highWatermark: String(Number(msgs.at(-1)!.offset) + 1),
    },
    heartbeat: async () => {},
    isRunning: isActive,
    isStale: () => !isActive(),
    resolveOffset: () => {},
  })
}
