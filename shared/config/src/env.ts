import { z } from 'zod'
import { ConfigError, formatPath } from './errors.js'

/** `true/false/1/0/yes/no` from an environment variable. */
export const BoolEnv = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes')

/** A comma-separated list, empty items dropped. */
export const CsvEnv = z.string().transform((v) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
)

/** Validates environment variables; a bad value stops the start naming the variable. */
export function parseEnv<S extends z.ZodType>(
  schema: S,
  env: Record<string, string | undefined>,
): z.output<S> {
  const result = schema.safeParse(env)
  if (result.success) return result.data
  throw new ConfigError(
    result.error.issues.map((i) => ({ source: 'environment', path: formatPath(i.path), reason: i.message })),
  )
}
