// Exits 0 once the broker at argv[2] answers metadata and its group coordinator is up.
// The port alone is not enough: consumers need __consumer_offsets, which the first
// FindCoordinator creates; describeGroups on an unknown group forces exactly that.
import { createRequire } from 'node:module'

const require = createRequire(new URL('../../package.json', import.meta.url))
const { Kafka, logLevel } = require('kafkajs')

const broker = process.argv[2] ?? '127.0.0.1:9092'
const kafka = new Kafka({
  clientId: 'vigil-kafka-ready',
  brokers: [broker],
  logLevel: logLevel.NOTHING,
  retry: { retries: 20, initialRetryTime: 300, maxRetryTime: 3000 },
})
const admin = kafka.admin()
try {
  await admin.connect()
  await admin.describeCluster()
  await admin.describeGroups(['__vigil_readiness_probe'])
  await admin.disconnect()
} catch (err) {
  console.error(`kafka not ready at ${broker}: ${err.message}`)
  process.exit(1)
}
