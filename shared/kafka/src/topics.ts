import type { Admin, Kafka } from 'kafkajs'

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
      try {
        await admin.createTopics({
          waitForLeaders: true,
          topics: missing.map((topic) => ({
            topic,
            numPartitions: options.partitions,
            replicationFactor: options.replication_factor,
            ...(options.min_insync_replicas === undefined
              ? {}
              : {
                  configEntries: [
                    { name: 'min.insync.replicas', value: String(options.min_insync_replicas) },
                  ],
                }),
          })),
        })
      } catch (err) {
        // On a cluster the broker asked for the new topics' leaders may not know them yet
        // (kafkajs gives up on UNKNOWN_TOPIC_OR_PARTITION): created all the same; wait for leaders.
        if ((err as { type?: string }).type !== 'UNKNOWN_TOPIC_OR_PARTITION') throw err
        await waitForLeaders(admin, missing)
      }
    }
    return missing
  } finally {
    await admin.disconnect()
  }
}

/** Until every partition of `topics` has a leader (about 30 s at most), else the last error. */
async function waitForLeaders(admin: Admin, topics: readonly string[]): Promise<void> {
  let last: unknown
  for (let attempt = 0; attempt < 60; attempt++) {
    try {
      const { topics: meta } = await admin.fetchTopicMetadata({ topics: [...topics] })
      if (meta.length === topics.length && meta.every((t) => t.partitions.every((p) => p.leader >= 0))) return
    } catch (err) {
      last = err
    }
    await new Promise((r) => setTimeout(r, 500))
  }
  throw last ?? new Error(`topics ${topics.join(', ')} have no leaders after 30 s`)
}
