import { existsSync, readFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { resolve } from 'node:path'
import { z } from 'zod'
import {
  type AlertingConfig,
  alertingSchema,
  crossCheck,
  type Rule,
  ruleSchema,
  toAlerting,
  toRule,
} from './alerting.js'
import { durationSetting } from './duration.js'
import { CsvEnv, parseEnv } from './env.js'
import { ConfigError } from './errors.js'
import { parseYaml } from './yaml.js'

const topicName = z.string().regex(/^[A-Za-z0-9._-]{1,249}$/, 'a Kafka topic name: letters, digits, . _ -')
const positiveInt = z.number().int().positive()
const probability = z.number().min(0).max(1)

const driftThresholdsSchema = z.strictObject({
  small_sample: positiveInt.optional(),
  p_value: probability.optional(),
  wasserstein_norm: z.number().positive().optional(),
  jensen_shannon: probability.optional(),
})

/** One model's monitoring settings; every key optional (defaults in {@link ModelConfig}). */
const modelSchema = z.strictObject({
  window: durationSetting(60_000, 86_400_000).optional(),
  allowed_lateness: durationSetting(0, 7 * 86_400_000).optional(),
  idle_timeout: durationSetting(1000, 86_400_000).optional(),
  features: z.record(z.string(), z.enum(['numerical', 'categorical'])).optional(),
  reference: z
    .strictObject({
      kind: z.enum(['baseline', 'first', 'previous', 'range']),
      version: z.string().min(1).optional(),
      from: z.iso.datetime({ offset: true }).optional(),
      to: z.iso.datetime({ offset: true }).optional(),
    })
    .refine(
      (r) =>
        r.kind !== 'range' ||
        (r.from !== undefined && r.to !== undefined && Date.parse(r.from) < Date.parse(r.to)),
      {
        message: 'a range reference needs from and to (RFC 3339), from before to',
      },
    )
    .optional(),
  drift: driftThresholdsSchema
    .extend({ features: z.record(z.string(), driftThresholdsSchema).optional() })
    .optional(),
  task: z.enum(['binary', 'multiclass', 'regression']).optional(),
  positive_class: z.string().min(1).optional(),
  /** Segments in the events' `attributes` to measure fairness over, each against its reference group. */
  sensitive_attributes: z
    .record(z.string(), z.strictObject({ reference_group: z.string().min(1) }))
    .optional(),
})

/** The file `vigil.yaml`: snake_case keys, every one optional, unknown keys refused. */
export const vigilFileSchema = z
  .strictObject({
    kafka: z
      .strictObject({
        brokers: z.array(z.string().min(1)).min(1).optional(),
        client_id: z.string().min(1).optional(),
        partitions: positiveInt.max(10_000).optional(),
        replication_factor: positiveInt.max(10).optional(),
        topics: z
          .strictObject({
            predictions: topicName.optional(),
            labels: topicName.optional(),
            dlq: topicName.optional(),
            metrics: topicName.optional(),
            alerts: topicName.optional(),
            outcomes: topicName.optional(),
          })
          .optional(),
      })
      .optional(),
    clickhouse: z
      .strictObject({
        url: z.url().optional(),
        database: z
          .string()
          .regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'a ClickHouse database name: letters, digits, _')
          .optional(),
        data_dir: z.string().min(1).optional(),
        request_timeout_ms: positiveInt.optional(),
      })
      .optional(),
    recorder: z
      .strictObject({
        group_id: z.string().min(1).optional(),
        batch_max_rows: positiveInt.max(1_000_000).optional(),
        batch_max_wait_ms: positiveInt.max(60_000).optional(),
        max_event_bytes: positiveInt.max(16 * 1024 * 1024).optional(),
      })
      .optional(),
    http: z
      .strictObject({
        host: z.string().min(1).optional(),
        port: z.number().int().min(0).max(65535).optional(),
      })
      .optional(),
    log_level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
    drift: z
      .strictObject({
        group_id: z.string().min(1).optional(),
        sample_size: positiveInt.max(10_000).optional(),
      })
      .optional(),
    performance: z.strictObject({ group_id: z.string().min(1).optional() }).optional(),
    api: z
      .strictObject({
        host: z.string().min(1).optional(),
        port: z.number().int().min(0).max(65535).optional(),
        /** Larger request bodies get 413. */
        max_body_bytes: positiveInt.max(64 * 1024 * 1024).optional(),
        /** Limits of analysts' read-only SQL (`POST /v1/sql`). */
        sql: z
          .strictObject({
            max_rows: positiveInt.max(1_000_000).optional(),
            max_seconds: positiveInt.max(3600).optional(),
            max_memory_mb: positiveInt.max(1_048_576).optional(),
            /** ClickHouse threads per analyst query (default: a quarter of the cores, at least 1). */
            max_threads: positiveInt.max(256).optional(),
            /** More queries at once get 429. */
            max_concurrent: positiveInt.max(64).optional(),
          })
          .optional(),
        /** Bearer tokens, each read from an environment variable, with what it may do. */
        tokens: z
          .array(
            z.strictObject({
              name: z.string().min(1),
              token_env: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name'),
              scopes: z.array(z.enum(['ingest', 'read', 'admin'])).min(1),
            }),
          )
          .optional(),
      })
      .optional(),
    fairness: z
      .strictObject({
        group_id: z.string().min(1).optional(),
        /** How long a batch of predictions waits for the recorder to have stored it. */
        recorder_wait: durationSetting(100, 600_000).optional(),
      })
      .optional(),
    joiner: z
      .strictObject({
        group_id: z.string().min(1).optional(),
        /** How long a label waits for its prediction before it goes to the DLQ. */
        horizon: durationSetting(1000, 365 * 86_400_000).optional(),
        /** How often waiting labels are looked up again. */
        retry_interval: durationSetting(100, 86_400_000).optional(),
        /** Recent predictions kept in memory to join without a ClickHouse lookup. */
        index_size: z.number().int().min(0).max(50_000_000).optional(),
      })
      .optional(),
    /** Per model id; `"*"` sets the defaults for every model. */
    models: z
      .record(z.string().regex(/^(\*|[A-Za-z0-9_.-]{1,128})$/, 'a model id or "*"'), modelSchema)
      .optional(),
    alerting: alertingSchema.optional(),
    rules: z.array(ruleSchema).optional(),
  })
  .superRefine((file, ctx) => {
    for (const p of crossCheck(file.rules ?? [], file.alerting))
      ctx.addIssue({ code: 'custom', path: p.path, message: p.message })
  })
export type VigilFile = z.output<typeof vigilFileSchema>

/** Infrastructure and secrets come from the environment and override the file. */
export const vigilEnvSchema = z.object({
  VIGIL_CONFIG: z.string().min(1).optional(),
  KAFKA_BROKERS: CsvEnv.pipe(z.array(z.string()).min(1, 'at least one host:port')).optional(),
  KAFKA_TOPIC_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9._-]*$/)
    .optional(),
  CLICKHOUSE_URL: z.url().optional(),
  CLICKHOUSE_USER: z.string().optional(),
  CLICKHOUSE_PASSWORD: z.string().optional(),
  CLICKHOUSE_DATABASE: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/)
    .optional(),
  VIGIL_DATA_DIR: z.string().min(1).optional(),
  VIGIL_HTTP_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
  SLACK_TOKEN: z.string().min(1).optional(),
  /** Slack's Web API base URL; tests and demos point it at a local stand-in. */
  SLACK_API_URL: z.url().optional(),
  /** `smtp://user:pass@host:port` or `smtps://…`; never logged. */
  SMTP_URL: z.url({ protocol: /^smtps?$/ }).optional(),
  /** Where `vigil sql`, `vigil alerts` and `vigil silence` find a running API (else ClickHouse directly). */
  VIGIL_API_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** The bearer token those commands send; never logged. */
  VIGIL_API_TOKEN: z.string().min(1).optional(),
})

export type ApiScope = 'ingest' | 'read' | 'admin'

export interface VigilConfig {
  /** The file the settings came from, if any. */
  file?: string
  kafka: {
    brokers: string[]
    clientId: string
    partitions: number
    replicationFactor: number
    topics: {
      predictions: string
      labels: string
      dlq: string
      metrics: string
      alerts: string
      outcomes: string
    }
  }
  clickhouse: {
    /** Set: a ClickHouse server over HTTP. Unset: the embedded engine in `dataDir`. */
    url?: string
    username?: string
    password?: string
    database: string
    dataDir: string
    requestTimeoutMs: number
  }
  recorder: { groupId: string; batchMaxRows: number; batchMaxWaitMs: number; maxEventBytes: number }
  drift: { groupId: string; sampleSize: number }
  joiner: { groupId: string; horizonMs: number; retryIntervalMs: number; indexSize: number }
  performance: { groupId: string }
  api: {
    host: string
    port: number
    maxBodyBytes: number
    sql: {
      maxRows: number
      maxSeconds: number
      maxMemoryBytes: number
      maxThreads: number
      maxConcurrent: number
    }
    /** `token` is absent when its environment variable is not set (the API refuses to start). */
    tokens: { name: string; tokenEnv: string; scopes: ApiScope[]; token?: string }[]
  }
  fairness: { groupId: string; recorderWaitMs: number }
  /** Monitoring settings by model id; `modelConfig()` resolves a model through `"*"` and defaults. */
  models: Record<string, Partial<ModelConfig>>
  /** Alert rules, in file order. */
  rules: Rule[]
  alerting: AlertingConfig
  http: { host: string; port: number }
  /** A running API for the CLI's client commands. */
  client: { apiUrl?: string; apiToken?: string }
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'
}

/**
 * The configuration of a vigil process: defaults, then `vigil.yaml` (the `VIGIL_CONFIG` path, or
 * `./vigil.yaml` when it exists), then environment variables. Throws {@link ConfigError}.
 * @example const config = loadVigilConfig({ env: process.env, cwd: process.cwd() })
 */
export function loadVigilConfig(options: {
  env: Record<string, string | undefined>
  cwd: string
  file?: string
}): VigilConfig {
  const env = parseEnv(vigilEnvSchema, options.env)
  const explicit = options.file ?? env.VIGIL_CONFIG
  const file = explicit ? resolve(options.cwd, explicit) : defaultFile(options.cwd)
  let y: VigilFile = {}
  if (file) {
    let text: string
    try {
      text = readFileSync(file, 'utf8')
    } catch (err) {
      throw new ConfigError([
        { source: file, path: '', reason: `cannot read the file (${(err as Error).message})` },
      ])
    }
    y = parseYaml(text, vigilFileSchema, file)
  }
  const prefix = env.KAFKA_TOPIC_PREFIX ?? ''
  const topics = {
    predictions: prefix + (y.kafka?.topics?.predictions ?? 'vigil.predictions'),
    labels: prefix + (y.kafka?.topics?.labels ?? 'vigil.labels'),
    dlq: prefix + (y.kafka?.topics?.dlq ?? 'vigil.dlq'),
    metrics: prefix + (y.kafka?.topics?.metrics ?? 'vigil.metrics'),
    alerts: prefix + (y.kafka?.topics?.alerts ?? 'vigil.alerts'),
    outcomes: prefix + (y.kafka?.topics?.outcomes ?? 'vigil.outcomes'),
  }
  return {
    ...(file ? { file } : {}),
    kafka: {
      brokers: env.KAFKA_BROKERS ?? y.kafka?.brokers ?? ['127.0.0.1:9092'],
      clientId: y.kafka?.client_id ?? 'vigil',
      partitions: y.kafka?.partitions ?? 3,
      replicationFactor: y.kafka?.replication_factor ?? 1,
      topics,
    },
    clickhouse: {
      url: env.CLICKHOUSE_URL ?? y.clickhouse?.url,
      username: env.CLICKHOUSE_USER,
      password: env.CLICKHOUSE_PASSWORD,
      database: env.CLICKHOUSE_DATABASE ?? y.clickhouse?.database ?? 'vigil',
      dataDir: resolve(options.cwd, env.VIGIL_DATA_DIR ?? y.clickhouse?.data_dir ?? './data/clickhouse'),
      requestTimeoutMs: y.clickhouse?.request_timeout_ms ?? 30_000,
    },
    recorder: {
      groupId: `${prefix}${y.recorder?.group_id ?? 'vigil-recorder'}`,
      batchMaxRows: y.recorder?.batch_max_rows ?? 4_000,
      batchMaxWaitMs: y.recorder?.batch_max_wait_ms ?? 1_000,
      maxEventBytes: y.recorder?.max_event_bytes ?? 256 * 1024,
    },
    drift: {
      groupId: `${prefix}${y.drift?.group_id ?? 'vigil-drift'}`,
      sampleSize: y.drift?.sample_size ?? 2000,
    },
    performance: { groupId: `${prefix}${y.performance?.group_id ?? 'vigil-performance'}` },
    api: {
      host: y.api?.host ?? '127.0.0.1',
      port: y.api?.port ?? 8080,
      maxBodyBytes: y.api?.max_body_bytes ?? 5 * 1024 * 1024,
      sql: {
        maxRows: y.api?.sql?.max_rows ?? 10_000,
        maxSeconds: y.api?.sql?.max_seconds ?? 10,
        maxMemoryBytes: (y.api?.sql?.max_memory_mb ?? 1024) * 1024 * 1024,
        // A quarter of the cores: on 2 cores, 2 threads per query raised the ingest p99 by 51% under
        // 100 analysts, 1 thread by 19-21% (npm run bench:api).
        maxThreads: y.api?.sql?.max_threads ?? Math.max(1, Math.floor(availableParallelism() / 4)),
        maxConcurrent: y.api?.sql?.max_concurrent ?? 4,
      },
      tokens: (y.api?.tokens ?? []).map((t) => {
        const token = options.env[t.token_env]
        return { name: t.name, tokenEnv: t.token_env, scopes: t.scopes, ...(token ? { token } : {}) }
      }),
    },
    fairness: {
      groupId: `${prefix}${y.fairness?.group_id ?? 'vigil-fairness'}`,
      recorderWaitMs: y.fairness?.recorder_wait ?? 30_000,
    },
    joiner: {
      groupId: `${prefix}${y.joiner?.group_id ?? 'vigil-joiner'}`,
      horizonMs: y.joiner?.horizon ?? 7 * 86_400_000,
      retryIntervalMs: y.joiner?.retry_interval ?? 60_000,
      indexSize: y.joiner?.index_size ?? 200_000,
    },
    models: Object.fromEntries(Object.entries(y.models ?? {}).map(([id, m]) => [id, toModelConfig(m)])),
    rules: (y.rules ?? []).map(toRule),
    alerting: toAlerting(y.alerting, env, options.env, prefix),
    http: {
      host: y.http?.host ?? '127.0.0.1',
      port: env.VIGIL_HTTP_PORT ?? y.http?.port ?? 9464,
    },
    client: {
      ...(env.VIGIL_API_URL ? { apiUrl: env.VIGIL_API_URL.replace(/\/+$/, '') } : {}),
      ...(env.VIGIL_API_TOKEN ? { apiToken: env.VIGIL_API_TOKEN } : {}),
    },
    logLevel: env.LOG_LEVEL ?? y.log_level ?? 'info',
  }
}

function defaultFile(cwd: string): string | undefined {
  const f = resolve(cwd, 'vigil.yaml')
  return existsSync(f) ? f : undefined
}

export interface DriftThresholdSettings {
  smallSample: number
  pValue: number
  wassersteinNorm: number
  jensenShannon: number
}

export interface ModelConfig {
  windowMs: number
  allowedLatenessMs: number
  idleTimeoutMs: number
  /** Declared feature types; others are inferred (numbers numerical, strings and booleans categorical). */
  features: Record<string, 'numerical' | 'categorical'>
  /**
   * `baseline`: uploaded with `vigil baseline create` (else the first window), the baseline of
   * `version` when set, else of the window's own model version; `first`: the
   * first complete window; `previous`: the previous window; `range`: the model's own traffic
   * between `from` and `to` (epoch milliseconds), read from the predictions table at start.
   */
  reference: {
    kind: 'baseline' | 'first' | 'previous' | 'range'
    version?: string
    from?: number
    to?: number
  }
  drift: DriftThresholdSettings & { features: Record<string, Partial<DriftThresholdSettings>> }
  /** Inferred from the labels when absent: numbers → regression, else classification. */
  task?: 'binary' | 'multiclass' | 'regression'
  /** Binary task: the class that counts as positive (a selection, for fairness). */
  positiveClass?: string
  /** Attribute → its reference group. */
  sensitiveAttributes: Record<string, { referenceGroup: string }>
}

export const DEFAULT_MODEL_CONFIG: ModelConfig = {
  windowMs: 3_600_000,
  allowedLatenessMs: 300_000,
  idleTimeoutMs: 120_000,
  features: {},
  reference: { kind: 'baseline' },
  drift: { smallSample: 1000, pValue: 0.05, wassersteinNorm: 0.1, jensenShannon: 0.1, features: {} },
  sensitiveAttributes: {},
}

type ModelFile = NonNullable<VigilFile['models']>[string]

function thresholds(t: z.output<typeof driftThresholdsSchema> | undefined): Partial<DriftThresholdSettings> {
  const out: Partial<DriftThresholdSettings> = {}
  if (t?.small_sample !== undefined) out.smallSample = t.small_sample
  if (t?.p_value !== undefined) out.pValue = t.p_value
  if (t?.wasserstein_norm !== undefined) out.wassersteinNorm = t.wasserstein_norm
  if (t?.jensen_shannon !== undefined) out.jensenShannon = t.jensen_shannon
  return out
}

function toModelConfig(m: ModelFile): Partial<ModelConfig> {
  const out: Partial<ModelConfig> = {}
  if (m.window !== undefined) out.windowMs = m.window
  if (m.allowed_lateness !== undefined) out.allowedLatenessMs = m.allowed_lateness
  if (m.idle_timeout !== undefined) out.idleTimeoutMs = m.idle_timeout
  if (m.features) out.features = m.features
  if (m.task) out.task = m.task
  if (m.positive_class !== undefined) out.positiveClass = m.positive_class
  if (m.sensitive_attributes)
    out.sensitiveAttributes = Object.fromEntries(
      Object.entries(m.sensitive_attributes).map(([a, s]) => [a, { referenceGroup: s.reference_group }]),
    )
  if (m.reference) {
    out.reference = {
      kind: m.reference.kind,
      ...(m.reference.version ? { version: m.reference.version } : {}),
      ...(m.reference.from ? { from: Date.parse(m.reference.from) } : {}),
      ...(m.reference.to ? { to: Date.parse(m.reference.to) } : {}),
    }
  }
  if (m.drift) {
    out.drift = {
      ...DEFAULT_MODEL_CONFIG.drift,
      ...thresholds(m.drift),
      features: Object.fromEntries(
        Object.entries(m.drift.features ?? {}).map(([f, t]) => [f, thresholds(t)]),
      ),
    }
  }
  return out
}

/** A model's settings: its own, over those of `"*"`, over the defaults. */
export function modelConfig(config: Pick<VigilConfig, 'models'>, modelId: string): ModelConfig {
  return { ...DEFAULT_MODEL_CONFIG, ...config.models['*'], ...config.models[modelId] }
}
