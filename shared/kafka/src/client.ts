import type { Logger } from '@vigil/observability'
import { Kafka, type KafkaConfig, type LogEntry, logLevel } from 'kafkajs'

export interface KafkaOptions {
  brokers: string[]
  client_id: string
}

const LEVEL: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
}

/** Broker answers that are part of normal group life, which kafkajs nevertheless logs as errors. */
const ROUTINE_ERRORS = new Set(['The group is rebalancing, so a rejoin is needed'])

/**
 * The level a kafkajs log entry is written at: its own, except that a rebalance (a consumer
 * joining or leaving) is info, so an on-call engineer's error alerts do not fire on a deploy.
 */
export function logLevelOf(level: logLevel, entry: object): 'error' | 'warn' | 'info' | 'debug' {
  const error = (entry as { error?: unknown }).error
  if (typeof error === 'string' && ROUTINE_ERRORS.has(error)) return 'info'
  return LEVEL[level] ?? 'info'
}

/**
 * The one place vigil builds a kafkajs client (kafkajs is unmaintained upstream; keeping it
 * behind shared/kafka keeps it replaceable). Its logs go to the service's JSON logger.
 */
export function createKafka(options: KafkaOptions & { log: Logger; retry?: KafkaConfig['retry'] }): Kafka {
  const log = options.log.child({ component: 'kafkajs' })
  return new Kafka({
    clientId: options.client_id,
    brokers: options.brokers,
    logLevel: logLevel.WARN,
    retry: options.retry ?? { retries: 8, initialRetryTime: 300, maxRetryTime: 10_000 },
    logCreator:
      () =>
      ({ level, log: entry }: LogEntry) => {
        const { message, timestamp: _t, logger: _l, ...rest } = entry
        log[logLevelOf(level, entry)](rest, message)
      },
  })
}
