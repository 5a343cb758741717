import type { IHeaders, KafkaMessage } from 'kafkajs'
import type { OutMessage } from './producer.js'

/** Where an invalid message came from; it travels with it to the dead-letter topic. */
export interface DlqSource {
  topic: string
  partition: number
  service: string
  /** The step that rejected it, e.g. `validate`. */
  step: string
}

export const DLQ_HEADERS = {
  reason: 'vigil-dlq-reason',
  step: 'vigil-dlq-step',
  service: 'vigil-dlq-service',
  time: 'vigil-dlq-time',
  topic: 'vigil-source-topic',
  partition: 'vigil-source-partition',
  offset: 'vigil-source-offset',
  timestamp: 'vigil-source-timestamp',
} as const

/**
 * The dead-letter copy of a message: the original key, value and headers byte for byte, plus
 * headers that say why, where from and when.
 */
export function toDlqMessage(
  message: KafkaMessage,
  source: DlqSource,
  reason: string,
  now = new Date(),
): OutMessage {
  const headers: IHeaders = { ...(message.headers ?? {}) }
  headers[DLQ_HEADERS.reason] = reason
  headers[DLQ_HEADERS.step] = source.step
  headers[DLQ_HEADERS.service] = source.service
  headers[DLQ_HEADERS.time] = now.toISOString()
  headers[DLQ_HEADERS.topic] = source.topic
  headers[DLQ_HEADERS.partition] = String(source.partition)
  headers[DLQ_HEADERS.offset] = message.offset
  headers[DLQ_HEADERS.timestamp] = message.timestamp
  return { key: message.key, value: message.value ?? Buffer.alloc(0), headers }
}

/** Reads the DLQ headers back (for the CLI, tests and the demo). */
export function readDlqHeaders(headers: IHeaders | undefined): Record<keyof typeof DLQ_HEADERS, string> {
  const out = {} as Record<keyof typeof DLQ_HEADERS, string>
  for (const [k, name] of Object.entries(DLQ_HEADERS) as [keyof typeof DLQ_HEADERS, string][]) {
    const v = headers?.[name]
    out[k] = v === undefined ? '' : Array.isArray(v) ? String(v[0]) : String(v)
  }
  return out
}
