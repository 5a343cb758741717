export { createLogger, type Logger, type LogLevel, redactUrl } from './logger.js'
export { Counter, createMetricsRegistry, Gauge, Histogram, Registry } from './metrics.js'
