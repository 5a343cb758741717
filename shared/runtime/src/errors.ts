import { EmbeddedClickHouseBusyError, UnsupportedClickHouseVersionError } from '@vigil/clickhouse'
import { ConfigError } from '@vigil/config'

/**
 * What to tell a person whose process could not start, and the exit code: 2 for a problem in
 * what they wrote (config, arguments), 1 for an environment problem (broker down, data dir busy).
 * Known failures get one clear sentence, not a stack trace.
 */
export function explainStartupError(
  err: unknown,
  context: { brokers?: string[] } = {},
): { message: string; exitCode: number } {
  if (err instanceof ConfigError) return { message: err.message, exitCode: 2 }
  if (err instanceof EmbeddedClickHouseBusyError || err instanceof UnsupportedClickHouseVersionError) {
    return { message: err.message, exitCode: 1 }
  }
  const e = err as Error & { name?: string; code?: string }
  if (e?.name?.startsWith('KafkaJS')) {
    const where = context.brokers ? ` at ${context.brokers.join(', ')}` : ''
    return {
      message: `cannot use Kafka${where}: ${e.message}. Is the broker running? (npm run kafka:start starts a local one)`,
      exitCode: 1,
    }
  }
  if (e?.code === 'ECONNREFUSED') return { message: `connection refused: ${e.message}`, exitCode: 1 }
  return { message: e?.stack ?? String(err), exitCode: 1 }
}
