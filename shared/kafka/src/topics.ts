import type { Kafka } from 'kafkajs'

/** Creates the topics that are missing (vigil creates its own topics at start; auto-create is off). */
export async function ensureTopics(
  kafka: Kafka,
  topics: readonly string[],
  options: { partitions: number; replication_factor: number; min_insync_replicas?: number | undefined },
): Promise<string[]> {
  const admin = kafka.admin()
  await admin.connect()
  try {
    const existing = new Set(await admin.listTopics())
    const missing = [...new Set(topics)].filter((t) => !existing.has(t))
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((topic) => ({
          topic,
          numPartitions: options.partitions,
          replicationFactor: options.replication_factor,
          ...(options.min_insync_replicas === undefined
            ? {}
            : {
                configEntries: [{ name: 'min.insync.replicas', value: String(options.min_insync_replicas) }],
              }),
        })),
      })
    }
    return missing
  } finally {
    await admin.disconnect()
  }
}
