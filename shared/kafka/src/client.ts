import type { Logger } from '@vigil/observability'
import { Kafka, type KafkaConfig, type LogEntry, logLevel } from 'kafkajs'

export interface KafkaOptions {
  brokers: string[]
  clientId: string
}

const LEVEL: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
}

/**
 * The one place vigil builds a kafkajs client (kafkajs is unmaintained upstream; keeping it
 * behind shared/kafka keeps it replaceable). Its logs go to the service's JSON logger.
 */
export function createKafka(options: KafkaOptions & { log: Logger; retry?: KafkaConfig['retry'] }): Kafka {
  const log = options.log.child({ component: 'kafkajs' })
  return new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    logLevel: logLevel.WARN,
    retry: options.retry ?? { retries: 8, initialRetryTime: 300, maxRetryTime: 10_000 },
    logCreator:
      () =>
      ({ level, log: entry }: LogEntry) => {
        const { message, timestamp: _t, logger: _l, ...rest } = entry
        log[LEVEL[level] ?? 'info'](rest, message)
      },
  })
}
