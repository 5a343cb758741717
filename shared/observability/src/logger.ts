import { pino } from 'pino'

export type Logger = pino.Logger
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'

/**
 * Keys whose values never reach a log line, wherever they sit in a logged object.
 * NOTE: pino's redact paths are exact; the `*.` forms cover one level of nesting, which is how
 * config objects are logged (`{ config: { smtpUrl } }`).
 */
const SECRET_KEYS = [
  'password',
  'token',
  'secret',
  'authorization',
  'apiKey',
  'smtpUrl',
  'slackBotToken',
  'signing_secret',
  'signingSecret',
  'routing_key',
  'routingKey',
  'link_secret',
  'linkSecret',
]
const REDACT_PATHS = SECRET_KEYS.flatMap((k) => [k, `*.${k}`])

/**
 * One JSON line per event on stdout (or `destination`), with secrets redacted.
 * @example const log = createLogger({ name: 'recorder' }); log.info({ rows: 10 }, 'batch inserted')
 */
export function createLogger(options: {
  name: string
  level?: LogLevel
  destination?: pino.DestinationStream
}): Logger {
  const { name, level = 'info', destination } = options
  const opts: pino.LoggerOptions = {
    name,
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  }
  return destination ? pino(opts, destination) : pino(opts)
}

/** `https://user:pw@host/x` → `https://user:***@host/x`, for URLs that may carry credentials. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url)
    if (u.password) u.password = '***'
    return u.toString()
  } catch {
    return '[unparseable url]'
  }
}
