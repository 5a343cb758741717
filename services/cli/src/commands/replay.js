import { createReadStream } from 'node:fs'
import { createInterface } from 'node:readline'
/**
 * Publishes every non-empty line of an NDJSON file to `topic`, as is (the consumers validate).
 * The key is the line's `model_id` when the line is a JSON object with one, as producers do.
 */
export async function replayFile(file, topic, producer, options = {}) {
  const batchSize = options.batchSize ?? 500
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Number.POSITIVE_INFINITY })
  let batch = []
  let sent = 0
  for await (const line of lines) {
    if (line.trim() === '') continue
    batch.push({ key: keyOf(line), value: line })
    if (batch.length >= batchSize) {
      await producer.send(topic, batch)
      sent += batch.length
      batch = []
    }
  }
  await producer.send(topic, batch)
  sent += batch.length
  return { sent }
}
export function keyOf(line) {
  try {
    const v = JSON.parse(line)
    if (v && typeof v === 'object' && typeof v.model_id === 'string') {
      return v.model_id
    }
  } catch {
    // an invalid line is still published; the recorder sends it to the DLQ with the reason
  }
  return null
}
//# sourceMappingURL=replay.js.map
