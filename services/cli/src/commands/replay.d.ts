import type { VigilProducer } from '@vigil/kafka'
/**
 * Publishes every non-empty line of an NDJSON file to `topic`, as is (the consumers validate).
 * The key is the line's `model_id` when the line is a JSON object with one, as producers do.
 */
export declare function replayFile(
  file: string,
  topic: string,
  producer: VigilProducer,
  options?: {
    batchSize?: number
  },
): Promise<{
  sent: number
}>
export declare function keyOf(line: string): string | null
//# sourceMappingURL=replay.d.ts.map
