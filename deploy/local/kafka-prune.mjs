// Deletes the topics that tests and benchmarks leave behind: every one is named under a unique
// prefix (`name_1a2b3c4d.vigil.…`, see shared/testing uniqueName). A broker that keeps thousands
// of them takes minutes to start and gigabytes of disk.
//   node kafka-prune.mjs BROKER --list          print every topic, one per line
//   node kafka-prune.mjs BROKER [--keep FILE]   delete the unique-prefixed topics not listed in FILE
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'

const require = createRequire(new URL('../../package.json', import.meta.url))
const { Kafka, logLevel } = require('kafkajs')

const UNIQUE_PREFIX = /^[A-Za-z0-9_-]+_[0-9a-f]{8}\./
const [broker = '127.0.0.1:9092', flag, file] = process.argv.slice(2)
const admin = new Kafka({
  clientId: 'vigil-kafka-prune',
  brokers: [broker],
  logLevel: logLevel.NOTHING,
}).admin()
try {
  await admin.connect()
  const topics = await admin.listTopics()
  if (flag === '--list') {
    process.stdout.write(topics.map((t) => `${t}\n`).join(''))
  } else {
    const keep = new Set(flag === '--keep' && file ? readFileSync(file, 'utf8').split('\n') : [])
    const doomed = topics.filter((t) => UNIQUE_PREFIX.test(t) && !keep.has(t))
    // In slices: one request naming thousands of topics outlives the request timeout.
    for (let i = 0; i < doomed.length; i += 200) {
      await admin.deleteTopics({ topics: doomed.slice(i, i + 200), timeout: 60_000 })
    }
    console.error(`kafka-prune: deleted ${doomed.length} test topics`)
  }
  await admin.disconnect()
} catch (err) {
  console.error(`kafka-prune: ${err.message}`)
  process.exit(1)
}
