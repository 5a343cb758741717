// The baseline of the recorder benchmark: a kafkajs consumer that only JSON.parses every message
// of a topic, with the recorder's fetch settings. Prints one JSON line with its steady-state rate.
import { Kafka, logLevel } from 'kafkajs'

const [brokers, topic, expected] = [process.argv[2]!, process.argv[3]!, Number(process.argv[4])]
const kafka = new Kafka({ clientId: 'bench-bare', brokers: brokers.split(','), logLevel: logLevel.NOTHING })
const consumer = kafka.consumer({
  groupId: `bench-bare-${Date.now()}`,
  minBytes: 1024 * 1024,
  maxWaitTimeInMs: 1000,
  maxBytesPerPartition: 8 * 1024 * 1024,
  maxBytes: 32 * 1024 * 1024,
})
let count = 0
let first = 0
let parsedFeatures = 0
await consumer.connect()
await consumer.subscribe({ topic, fromBeginning: true })
const done = new Promise<number>((resolve) => {
  void consumer.run({
    partitionsConsumedConcurrently: 2,
    eachBatch: async ({ batch }) => {
      if (first === 0) first = performance.now()
      for (const m of batch.messages) {
        const event = JSON.parse(m.value!.toString()) as { features?: object }
        parsedFeatures += Object.keys(event.features ?? event).length
      }
      count += batch.messages.length
      if (count >= expected) resolve(performance.now())
    },
  })
})
const last = await done
await consumer.disconnect()
process.stdout.write(
  `${JSON.stringify({ events: count, seconds: (last - first) / 1000, maxRssMiB: process.resourceUsage().maxRSS / 1024, parsedFeatures })}\n`,
)
