import { existsSync, readFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { resolve } from 'node:path'
import { z } from 'zod'
import {
  type AlertingConfig,
  alertingSchema,
  crossCheck,
  ruleSchema,
  withChannelSecrets,
} from './alerting.js'
import { durationSetting } from './duration.js'
import { CsvEnv, parseEnv } from './env.js'
import { ConfigError } from './errors.js'
import {
  type ExplainedSetting,
  leaves,
  type ModelSettingsInput,
  modelSchema,
  type SettingSource,
} from './models.js'
import { readYaml, validateYaml, type YamlRead } from './yaml.js'

const topicName = z.string().regex(/^[A-Za-z0-9._-]{1,249}$/, 'a Kafka topic name: letters, digits, . _ -')
const positiveInt = z.number().int().positive()
const groupId = (name: string) => z.string().min(1).default(name)
const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
/** Longest wait for a fetch to fill: the latency bound of a consumer's batches. */
const batchMaxWait = positiveInt.max(60_000).default(1_000)
/** At most one recomputation of a window per interval (0: on every batch that touches it). */
const republishInterval = durationSetting(0, 86_400_000).default(30_000)

/**
 * The file `vigil.yaml`: snake_case keys, every one optional, unknown keys refused. The defaults
 * written here are the only ones: the configuration type is this schema's output, and the names
 * in the code are the names in the file.
 */
export const vigilFileSchema = z
  .strictObject({
    kafka: z
      .strictObject({
        brokers: z.array(z.string().min(1)).min(1).default(['127.0.0.1:9092']),
        client_id: z.string().min(1).default('vigil'),
        partitions: positiveInt.max(10_000).default(3),
        replication_factor: positiveInt.max(10).default(1),
        /**
         * Set on the topics vigil creates: how many replicas must have a write before the
         * producers' acks=all succeeds (2 with a replication factor of 3 survives one broker).
         */
        min_insync_replicas: positiveInt.max(10).optional(),
        /** Larger events are invalid (the DLQ, or a 413 from the API). */
        max_event_bytes: positiveInt.max(16 * 1024 * 1024).default(256 * 1024),
        topics: z
          .strictObject({
            predictions: topicName.default('vigil.predictions'),
            labels: topicName.default('vigil.labels'),
            dlq: topicName.default('vigil.dlq'),
            metrics: topicName.default('vigil.metrics'),
            alerts: topicName.default('vigil.alerts'),
            outcomes: topicName.default('vigil.outcomes'),
            /** Serving stacks' CloudEvents (KServe, Seldon), as the API received them or a KafkaSink wrote them. */
            cloudevents: topicName.default('vigil.cloudevents'),
          })
          .prefault({}),
      })
      .prefault({}),
    clickhouse: z
      .strictObject({
        url: z.url().optional(),
        database: z
          .string()
          .regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'a ClickHouse database name: letters, digits, _')
          .default('vigil'),
        /** The embedded engine's data, relative to the working directory. */
        data_dir: z.string().min(1).default('./data/clickhouse'),
        request_timeout_ms: positiveInt.default(30_000),
        /**
         * A ClickHouse cluster (its name in the servers' remote_servers): migrations create each
         * table as Replicated*MergeTree ON CLUSTER (`<table>_local`, {shard}/{replica} macros)
         * with a Distributed table under its name. With `url` only.
         */
        cluster: z
          .string()
          .regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'a cluster name: letters, digits, _')
          .optional(),
        /**
         * Serves the embedded engine over ClickHouse's HTTP interface (`vigil start`), so analysts'
         * tools and other vigil processes (`CLICKHOUSE_URL`) reach it. Each user's password comes
         * from its environment variable; `readonly` users run reads only, under `api.sql`'s limits.
         */
        serve: z
          .strictObject({
            host: z.string().min(1).default('127.0.0.1'),
            port: z.number().int().min(0).max(65535).default(8123),
            users: z
              .array(
                z.strictObject({
                  name: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'a user name: 1-64 of A-Z a-z 0-9 _ . -'),
                  password_env: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name'),
                  readonly: z.boolean().default(true),
                }),
              )
              .min(1, 'at least one user: a served engine without users would answer anyone'),
          })
          .optional(),
      })
      .prefault({}),
    recorder: z
      .strictObject({
        group_id: groupId('vigil-recorder'),
        /** Rows per ClickHouse insert. */
        batch_max_rows: positiveInt.max(1_000_000).default(4_000),
        batch_max_wait_ms: batchMaxWait,
      })
      .prefault({}),
    http: z
      .strictObject({
        host: z.string().min(1).default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(9464),
      })
      .prefault({}),
    log_level: logLevel.default('info'),
    /**
     * Where people open vigil's console (`<public_url>/ui`), as they reach it (behind a proxy,
     * its address): every notification links to its alert's page there. Unset: no links.
     */
    public_url: z
      .url({ protocol: /^https?$/ })
      .transform((u) => u.replace(/\/+$/, ''))
      .optional(),
    drift: z
      .strictObject({
        group_id: groupId('vigil-drift'),
        /** Values kept per open window and numerical feature for KS and Wasserstein. */
        sample_size: positiveInt.max(10_000).default(2000),
        /**
         * Longer than the others': a batch's partials are a row per window it touched, so on a slow
         * stream into many models the rows, not the events, are the cost (bench:fleet's trickle of
         * 500 events/s into 500 models: 31% of a core at 1 s, 11% at 15 s). Results of windows of
         * an hour or a day come at most this much later.
         */
        batch_max_wait_ms: positiveInt.max(60_000).default(15_000),
      })
      .prefault({}),
    performance: z
      .strictObject({
        group_id: groupId('vigil-performance'),
        /** A window is recomputed at most once per interval, however many batches of labels touch it. */
        republish_interval: republishInterval,
      })
      .prefault({}),
    api: z
      .strictObject({
        host: z.string().min(1).default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(8080),
        /** Larger request bodies get 413. */
        max_body_bytes: positiveInt.max(64 * 1024 * 1024).default(5 * 1024 * 1024),
        /** Limits of analysts' read-only SQL (`POST /v1/sql`). */
        sql: z
          .strictObject({
            max_rows: positiveInt.max(1_000_000).default(10_000),
            max_seconds: positiveInt.max(3600).default(10),
            max_memory_mb: positiveInt.max(1_048_576).default(1024),
            // A quarter of the cores: on 2 cores, 2 threads per query raised the ingest p99 by 51%
            // under 100 analysts, 1 thread by 19-21% (npm run bench:api).
            /** ClickHouse threads per analyst query (default: a quarter of the cores, at least 1). */
            max_threads: positiveInt.max(256).default(Math.max(1, Math.floor(availableParallelism() / 4))),
            /** More queries at once get 429. */
            max_concurrent: positiveInt.max(64).default(4),
          })
          .prefault({}),
        /** Bearer tokens, each read from an environment variable, with what it may do. */
        tokens: z
          .array(
            z.strictObject({
              name: z.string().min(1),
              token_env: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name'),
              scopes: z.array(z.enum(['ingest', 'read', 'admin'])).min(1),
            }),
          )
          .default([]),
      })
      .prefault({}),
    fairness: z
      .strictObject({
        group_id: groupId('vigil-fairness'),
        /** How long a batch of predictions waits for the recorder to have stored it. */
        recorder_wait: durationSetting(100, 600_000).default(30_000),
        /** A window is recomputed at most once per interval, however many batches touch it. */
        republish_interval: republishInterval,
      })
      .prefault({}),
    joiner: z
      .strictObject({
        group_id: groupId('vigil-joiner'),
        /** How long a label waits for its prediction before it goes to the DLQ. */
        horizon: durationSetting(1000, 365 * 86_400_000).default(7 * 86_400_000),
        /** How often waiting labels are looked up again. */
        retry_interval: durationSetting(100, 86_400_000).default(60_000),
        /** Recent predictions kept in memory to join without a ClickHouse lookup. */
        index_size: z.number().int().min(0).max(50_000_000).default(200_000),
      })
      .prefault({}),
    ingest: z
      .strictObject({
        group_id: groupId('vigil-ingest'),
        /** How long a request or response waits for its other half before it goes to the DLQ. */
        orphan_ttl: durationSetting(1000, 7 * 86_400_000).default(600_000),
        /** How often waiting halves are checked against the TTL. */
        orphan_check: durationSetting(100, 3_600_000).default(10_000),
      })
      .prefault({}),
    /** Per model id; `"*"` sets the defaults for every model. */
    models: z
      .record(z.string().regex(/^(\*|[A-Za-z0-9_.-]{1,128})$/, 'a model id or "*"'), modelSchema)
      .default({}),
    alerting: alertingSchema.prefault({}),
    rules: z.array(ruleSchema).default([]),
  })
  .superRefine((file, ctx) => {
    const { replication_factor: rf, min_insync_replicas: isr } = file.kafka
    if (isr !== undefined && isr > rf)
      ctx.addIssue({
        code: 'custom',
        path: ['kafka', 'min_insync_replicas'],
        message: `${isr} is more than the replication factor ${rf}: no write could ever succeed`,
      })
    for (const p of crossCheck(file.rules, file.alerting))
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
  /** Tests and demos that publish a little and wait for its drift set it low. */
  DRIFT_BATCH_MAX_WAIT_MS: z.coerce.number().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
  SLACK_TOKEN: z.string().min(1).optional(),
  /** Verifies Slack's interaction requests (the alert's buttons); never logged. */
  SLACK_SIGNING_SECRET: z.string().min(1).optional(),
  /** Slack's Web API base URL; tests and demos point it at a local stand-in. */
  SLACK_API_URL: z.url().optional(),
  /** `smtp://user:pass@host:port` or `smtps://…`; never logged. */
  SMTP_URL: z.url({ protocol: /^smtps?$/ }).optional(),
  /** Where `vigil sql`, `vigil alerts` and `vigil silence` find a running API (else ClickHouse directly). */
  VIGIL_API_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** The bearer token those commands send; never logged. */
  VIGIL_API_TOKEN: z.string().min(1).optional(),
  /**
   * Signs the chart links in webhooks and PagerDuty events, which their receivers fetch without
   * a token (at least 16 characters; the same in the rules service and the API); never logged.
   */
  VIGIL_LINK_SECRET: z.string().min(16, 'at least 16 characters').optional(),
})

export type ApiScope = 'ingest' | 'read' | 'admin'

/**
 * The configuration of a process: the file's settings with their defaults (snake_case, as in
 * vigil.yaml), environment overrides applied, and what only the environment holds (secrets).
 */
export type VigilConfig = Omit<VigilFile, 'clickhouse' | 'api' | 'alerting' | 'models'> & {
  /** The file the settings came from, if any. */
  file?: string
  clickhouse: Omit<VigilFile['clickhouse'], 'serve'> & {
    username?: string
    password?: string
    /** `password` is absent when its environment variable is not set (serving refuses to start). */
    serve?: Omit<NonNullable<VigilFile['clickhouse']['serve']>, 'users'> & {
      users: (NonNullable<VigilFile['clickhouse']['serve']>['users'][number] & { password?: string })[]
    }
  }
  api: Omit<VigilFile['api'], 'tokens'> & {
    /** `token` is absent when its environment variable is not set (the API refuses to start). */
    tokens: (VigilFile['api']['tokens'][number] & { token?: string })[]
  }
  alerting: AlertingConfig
  /** Monitoring settings by model id as written; {@link modelConfig} resolves one through `"*"` and the defaults. */
  models: Record<string, ModelSettingsInput>
  /** A running API for the CLI's client commands. */
  client: { api_url?: string; api_token?: string }
  /** VIGIL_LINK_SECRET: signs chart links (with public_url set, webhooks and PagerDuty carry them). */
  link_secret?: string
}

type VigilEnv = z.output<typeof vigilEnvSchema>

/** Environment variables that override a setting of the file, by the setting's path. */
const ENV_OVERRIDES: { env: keyof VigilEnv; path: [string, ...string[]] }[] = [
  { env: 'KAFKA_BROKERS', path: ['kafka', 'brokers'] },
  { env: 'CLICKHOUSE_URL', path: ['clickhouse', 'url'] },
  { env: 'CLICKHOUSE_DATABASE', path: ['clickhouse', 'database'] },
  { env: 'VIGIL_DATA_DIR', path: ['clickhouse', 'data_dir'] },
  { env: 'VIGIL_HTTP_PORT', path: ['http', 'port'] },
  { env: 'DRIFT_BATCH_MAX_WAIT_MS', path: ['drift', 'batch_max_wait_ms'] },
  { env: 'LOG_LEVEL', path: ['log_level'] },
]

function setIn(obj: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let cur = obj
  for (const k of path.slice(0, -1)) {
    const next = cur[k]
    // A section of the wrong type stays as written, so validation reports it.
    if (next !== undefined && (typeof next !== 'object' || next === null || Array.isArray(next))) return
    cur[k] = { ...(next as object | undefined) }
    cur = cur[k] as Record<string, unknown>
  }
  cur[path.at(-1)!] = value
}

function withEnvOverrides(raw: unknown, env: VigilEnv): Record<string, unknown> {
  const out: Record<string, unknown> = typeof raw === 'object' && raw !== null ? { ...(raw as object) } : {}
  for (const o of ENV_OVERRIDES) if (env[o.env] !== undefined) setIn(out, o.path, env[o.env])
  return out
}

interface Loaded {
  config: VigilConfig
  /** The file's settings as written, and the environment: where each setting came from. */
  written: unknown
  env: VigilEnv
}

function load(options: { env: Record<string, string | undefined>; cwd: string; file?: string }): Loaded {
  const env = parseEnv(vigilEnvSchema, options.env)
  const explicit = options.file ?? env.VIGIL_CONFIG
  const file = explicit ? resolve(options.cwd, explicit) : defaultFile(options.cwd)
  let written: unknown = {}
  let read: YamlRead | undefined
  if (file) {
    let text: string
    try {
      text = readFileSync(file, 'utf8')
    } catch (err) {
      throw new ConfigError([
        { source: file, path: '', reason: `cannot read the file (${(err as Error).message})` },
      ])
    }
    read = readYaml(text, file)
    written = read.value
  }
  // The environment's values were checked by vigilEnvSchema; a problem left is the file's.
  const y = validateYaml(withEnvOverrides(written, env), vigilFileSchema, file ?? 'vigil.yaml', read)
  const prefix = env.KAFKA_TOPIC_PREFIX ?? ''
  const topics = Object.fromEntries(
    Object.entries(y.kafka.topics).map(([k, t]) => [k, prefix + t]),
  ) as VigilFile['kafka']['topics']
  const writtenModels = (written as { models?: Record<string, ModelSettingsInput> } | null)?.models ?? {}
  const config: VigilConfig = {
    ...y,
    ...(file ? { file } : {}),
    kafka: { ...y.kafka, topics },
    clickhouse: {
      ...y.clickhouse,
      data_dir: resolve(options.cwd, y.clickhouse.data_dir),
      ...(env.CLICKHOUSE_USER !== undefined ? { username: env.CLICKHOUSE_USER } : {}),
      ...(env.CLICKHOUSE_PASSWORD !== undefined ? { password: env.CLICKHOUSE_PASSWORD } : {}),
      ...(y.clickhouse.serve
        ? {
            serve: {
              ...y.clickhouse.serve,
              users: y.clickhouse.serve.users.map((u) => {
                const password = options.env[u.password_env]
                return { ...u, ...(password ? { password } : {}) }
              }),
            },
          }
        : {}),
    },
    recorder: { ...y.recorder, group_id: prefix + y.recorder.group_id },
    drift: { ...y.drift, group_id: prefix + y.drift.group_id },
    performance: { ...y.performance, group_id: prefix + y.performance.group_id },
    fairness: { ...y.fairness, group_id: prefix + y.fairness.group_id },
    joiner: { ...y.joiner, group_id: prefix + y.joiner.group_id },
    ingest: { ...y.ingest, group_id: prefix + y.ingest.group_id },
    api: {
      ...y.api,
      tokens: y.api.tokens.map((t) => {
        const token = options.env[t.token_env]
        return { ...t, ...(token ? { token } : {}) }
      }),
    },
    // Models keep their settings as written: a model's effective settings are merged per field
    // with "*" and the defaults when it is resolved (modelConfig), not here.
    models: writtenModels,
    alerting: withChannelSecrets(y.alerting, env, options.env, prefix),
    ...(env.VIGIL_LINK_SECRET ? { link_secret: env.VIGIL_LINK_SECRET } : {}),
    client: {
      ...(env.VIGIL_API_URL ? { api_url: env.VIGIL_API_URL.replace(/\/+$/, '') } : {}),
      ...(env.VIGIL_API_TOKEN ? { api_token: env.VIGIL_API_TOKEN } : {}),
    },
  }
  return { config, written, env }
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
  return load(options).config
}

/** Settings that hold or lead to a secret: shown as set or not, never as values. */
const SECRET_PATHS = [/^clickhouse\.password$/, /^clickhouse\.url$/]

/**
 * Every setting outside `models` and `rules` with where it came from (default, the file, the
 * environment): what `vigil config show` prints. Secrets appear as `(set)`.
 */
export function explainConfig(options: {
  env: Record<string, string | undefined>
  cwd: string
  file?: string
}): { config: VigilConfig; settings: ExplainedSetting[] } {
  const { config, written, env } = load(options)
  const fromEnv = new Map(
    ENV_OVERRIDES.filter((o) => env[o.env] !== undefined).map((o) => [o.path.join('.'), o]),
  )
  const settings: ExplainedSetting[] = []
  const { models: _m, rules: _r, file: _f, client: _c, link_secret: _l, ...rest } = config
  for (const leaf of leaves(rest)) {
    const path = leaf.path.join('.')
    if (
      /^alerting\.(slack|webhooks)\b|^alerting\.email\.smtp_url|^api\.tokens|^clickhouse\.serve\.users/.test(
        path,
      )
    )
      continue
    const source: SettingSource = fromEnv.has(path)
      ? 'environment'
      : hasPath(written, leaf.path)
        ? 'file'
        : 'default'
    const secret = SECRET_PATHS.some((r) => r.test(path)) && leaf.value !== undefined
    settings.push({ path, value: secret ? '(set)' : leaf.value, source })
  }
  const secrets: [string, boolean][] = [
    ['alerting.slack.token (SLACK_TOKEN)', config.alerting.slack.token !== undefined],
    [
      'alerting.slack.signing_secret (SLACK_SIGNING_SECRET)',
      config.alerting.slack.signing_secret !== undefined,
    ],
    ['alerting.email.smtp_url (SMTP_URL)', config.alerting.email.smtp_url !== undefined],
    ['link_secret (VIGIL_LINK_SECRET)', config.link_secret !== undefined],
    ...(config.alerting.pagerduty
      ? [
          [
            `alerting.pagerduty.routing_key (${config.alerting.pagerduty.routing_key_env})`,
            config.alerting.pagerduty.routing_key !== undefined,
          ] as [string, boolean],
        ]
      : []),
    ...Object.values(config.alerting.webhooks).map((w): [string, boolean] => [
      `alerting.webhooks.${w.name}.secret (${w.secret_env})`,
      w.secret !== undefined,
    ]),
    ...(config.clickhouse.serve?.users ?? []).map((u): [string, boolean] => [
      `clickhouse.serve.users.${u.name} (${u.password_env})`,
      u.password !== undefined,
    ]),
    ...config.api.tokens.map((t): [string, boolean] => [
      `api.tokens.${t.name} (${t.token_env})`,
      t.token !== undefined,
    ]),
  ]
  for (const [path, set] of secrets)
    settings.push({ path, value: set ? '(set)' : '(not set)', source: 'environment' })
  for (const w of Object.values(config.alerting.webhooks)) {
    for (const [k, v] of Object.entries(w)) {
      if (k === 'secret' || k === 'name') continue
      const p = ['alerting', 'webhooks', w.name, k]
      settings.push({ path: p.join('.'), value: v, source: hasPath(written, p) ? 'file' : 'default' })
    }
  }
  return { config, settings }
}

function hasPath(obj: unknown, path: readonly string[]): boolean {
  let cur = obj
  for (const k of path) {
    if (typeof cur !== 'object' || cur === null || !(k in cur)) return false
    cur = (cur as Record<string, unknown>)[k]
  }
  return cur !== undefined
}

function defaultFile(cwd: string): string | undefined {
  const f = resolve(cwd, 'vigil.yaml')
  return existsSync(f) ? f : undefined
}
