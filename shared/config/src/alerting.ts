import { type MetricFamily, RULE_METRICS } from '@vigil/stats'
import { z } from 'zod'
import { durationSetting } from './duration.js'

// The metric names rules accept come from the code that computes them (shared/stats metric-names.ts).

/** A threshold: `> 0.2`, `>= 0.2`, `< 0.8`, `<= 0.8`, or `outside [a, b]`. */
export type Condition =
  | { op: '>' | '>=' | '<' | '<='; value: number }
  | { op: 'outside'; low: number; high: number }

const NUMBER = String.raw`[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?`
const COMPARISON = new RegExp(String.raw`^\s*(>=|<=|>|<)\s*(${NUMBER})\s*$`)
const OUTSIDE = new RegExp(String.raw`^\s*outside\s*\[\s*(${NUMBER})\s*,\s*(${NUMBER})\s*\]\s*$`)

export function parseCondition(text: string): Condition | undefined {
  const c = COMPARISON.exec(text)
  if (c) return { op: c[1] as '>' | '>=' | '<' | '<=', value: Number(c[2]) }
  const o = OUTSIDE.exec(text)
  if (o && Number(o[1]) < Number(o[2])) return { op: 'outside', low: Number(o[1]), high: Number(o[2]) }
  return undefined
}

export function formatCondition(c: Condition): string {
  return c.op === 'outside' ? `outside [${c.low}, ${c.high}]` : `${c.op} ${c.value}`
}

/** `slack:#channel`, `email:address`, `webhook:name`, `alertmanager`, `pagerduty`. */
const notifyTarget = z
  .string()
  .regex(
    /^(slack:#?[A-Za-z0-9._-]{1,80}|email:[^@\s]+@[^@\s]+|webhook:[A-Za-z0-9_.-]{1,64}|alertmanager|pagerduty)$/,
    'a target: slack:#channel, email:address, webhook:<name>, alertmanager or pagerduty',
  )

const selector = z.string().min(1).max(256)

export const ruleSchema = z
  .strictObject({
    name: z.string().regex(/^[A-Za-z0-9_.-]{1,128}$/, 'a rule name: 1-128 of A-Z a-z 0-9 _ . -'),
    model: z.string().regex(/^(\*|[A-Za-z0-9_.-]{1,128})$/, 'a model id or "*"'),
    metric: z.string().refine(
      (m) => {
        const [family, name, ...rest] = m.split('.')
        const names: readonly string[] | undefined = RULE_METRICS[family as MetricFamily]
        return rest.length === 0 && names !== undefined && names.includes(name ?? '')
      },
      {
        message: `family.metric, one of: ${Object.entries(RULE_METRICS)
          .map(([f, ms]) => ms.map((m) => `${f}.${m}`).join(', '))
          .join(', ')}`,
      },
    ),
    feature: selector.optional(),
    attribute: selector.optional(),
    group: selector.optional(),
    when: z.string().refine((w) => parseCondition(w) !== undefined, {
      message: 'a condition: "> 0.2", ">= 0.2", "< 0.8", "<= 0.8" or "outside [a, b]" (a < b)',
    }),
    /** Consecutive windows past the threshold before the alert fires. */
    for: z.number().int().min(1).max(1000).default(1),
    min_samples: z.number().int().min(0).default(0),
    min_label_coverage: z.number().min(0).max(1).default(0),
    severity: z.enum(['info', 'warning', 'critical']).default('warning'),
    notify: z.array(notifyTarget).min(1),
    retrain: z.string().min(1).optional(),
    labels: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string()).default({}),
    runbook: z.url({ protocol: /^https?$/ }).optional(),
  })
  .refine((r) => !(r.feature && (r.attribute || r.group)), {
    message: 'feature selects drift and quality metrics; attribute and group select fairness metrics',
  })
  // `drift.psi` is read as family `drift` and metric `psi`, `when` as a condition.
  .transform(({ metric, when, ...r }) => {
    const [family, name] = metric.split('.') as [MetricFamily, string]
    return { ...r, family, metric: name, condition: parseCondition(when)! }
  })

const webhookSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/ }),
  kind: z.enum(['notify', 'retrain']).default('notify'),
  /** The environment variable holding the signing secret (never the secret itself). */
  secret_env: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name'),
  timeout: durationSetting(100, 120_000).default(10_000),
  /** A retraining webhook fires at most once per cooldown per model. */
  cooldown: durationSetting(0, 30 * 86_400_000).default(86_400_000),
})

export const alertingSchema = z.strictObject({
  group_id: z.string().min(1).default('vigil-rules'),
  repeat_interval: durationSetting(60_000, 30 * 86_400_000).default(4 * 3_600_000),
  /**
   * With several rules instances, after a partition moves here: how long its notifications wait
   * before this instance delivers them, so that the previous owner's sends under way (HTTP
   * channels time out at 10 s) are recorded first and not sent again. 0 (the default) suits one
   * instance; set it above the channels' timeouts (15s) when running several (docs/alerts.md).
   */
  handover_grace: durationSetting(0, 600_000).default(0),
  retry: z
    .strictObject({
      max_attempts: z.number().int().min(1).max(100).default(12),
      initial_backoff: durationSetting(10, 3_600_000).default(1000),
      max_backoff: durationSetting(10, 86_400_000).default(300_000),
    })
    .prefault({}),
  email: z.strictObject({ from: z.email().default('vigil@localhost') }).prefault({}),
  webhooks: z.record(z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/), webhookSchema).default({}),
  alertmanager: z.strictObject({ url: z.url({ protocol: /^https?$/ }) }).optional(),
  /**
   * PagerDuty's Events API v2: an incident per alert episode (trigger, then resolve, by dedup_key).
   * The integration's routing key comes from the environment variable `routing_key_env`.
   */
  pagerduty: z
    .strictObject({
      routing_key_env: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name'),
      url: z.url({ protocol: /^https?$/ }).default('https://events.pagerduty.com/v2/enqueue'),
    })
    .optional(),
  /** Hosts, IPs or CIDRs that webhooks may reach although they are private, loopback or link-local. */
  allow_private: z.array(z.string().min(1)).default([]),
  /** Model health gauges on /metrics: per model; per feature too when `per_feature` (a series per feature). */
  model_metrics: z.strictObject({ per_feature: z.boolean().default(false) }).prefault({}),
})

/** A rule as the rules service uses it: the file's settings with defaults, the metric split, the condition parsed. */
export type Rule = z.output<typeof ruleSchema>

export type WebhookConfig = z.output<typeof webhookSchema> & {
  name: string
  /** From the environment variable `secret_env`; the rules service refuses to start without it. */
  secret?: string
}

/** The `alerting` section with its defaults, and the channel secrets from the environment. */
export type AlertingConfig = Omit<z.output<typeof alertingSchema>, 'webhooks' | 'email' | 'pagerduty'> & {
  slack: { token?: string; api_url?: string; signing_secret?: string }
  /** With its routing key from `routing_key_env`, when set there. */
  pagerduty?: NonNullable<z.output<typeof alertingSchema>['pagerduty']> & { routing_key?: string }
  email: { from: string; smtp_url?: string }
  webhooks: Record<string, WebhookConfig>
}

/** Adds what the environment holds: the Slack token and API URL, the SMTP URL, webhook secrets. */
export function withChannelSecrets(
  a: z.output<typeof alertingSchema>,
  env: { SLACK_TOKEN?: string; SLACK_API_URL?: string; SLACK_SIGNING_SECRET?: string; SMTP_URL?: string },
  rawEnv: Record<string, string | undefined>,
  prefix: string,
): AlertingConfig {
  return {
    ...a,
    group_id: `${prefix}${a.group_id}`,
    slack: {
      ...(env.SLACK_TOKEN ? { token: env.SLACK_TOKEN } : {}),
      ...(env.SLACK_API_URL ? { api_url: env.SLACK_API_URL } : {}),
      ...(env.SLACK_SIGNING_SECRET ? { signing_secret: env.SLACK_SIGNING_SECRET } : {}),
    },
    email: { ...a.email, ...(env.SMTP_URL ? { smtp_url: env.SMTP_URL } : {}) },
    webhooks: Object.fromEntries(
      Object.entries(a.webhooks).map(([name, w]) => {
        const secret = rawEnv[w.secret_env]
        return [name, { ...w, name, ...(secret ? { secret } : {}) }]
      }),
    ),
    ...(a.pagerduty
      ? {
          pagerduty: {
            ...a.pagerduty,
            ...(rawEnv[a.pagerduty.routing_key_env]
              ? { routing_key: rawEnv[a.pagerduty.routing_key_env] }
              : {}),
          },
        }
      : {}),
  }
}

/** Problems between rules and the alerting section, with the path of the setting at fault. */
export function crossCheck(
  rules: readonly Rule[],
  alerting: z.output<typeof alertingSchema> | undefined,
): { path: (string | number)[]; message: string }[] {
  const problems: { path: (string | number)[]; message: string }[] = []
  const seen = new Set<string>()
  const webhooks = alerting?.webhooks ?? {}
  rules.forEach((r, i) => {
    if (seen.has(r.name))
      problems.push({ path: ['rules', i, 'name'], message: `a second rule named ${r.name}` })
    seen.add(r.name)
    r.notify.forEach((t, j) => {
      const name = t.startsWith('webhook:') ? t.slice('webhook:'.length) : undefined
      if (name !== undefined && !webhooks[name])
        problems.push({ path: ['rules', i, 'notify', j], message: `no webhook ${name} in alerting.webhooks` })
      if (t === 'alertmanager' && !alerting?.alertmanager)
        problems.push({ path: ['rules', i, 'notify', j], message: 'alerting.alertmanager.url is not set' })
      if (t === 'pagerduty' && !alerting?.pagerduty)
        problems.push({ path: ['rules', i, 'notify', j], message: 'alerting.pagerduty is not set' })
    })
    if (r.retrain !== undefined) {
      const w = webhooks[r.retrain]
      if (!w)
        problems.push({
          path: ['rules', i, 'retrain'],
          message: `no webhook ${r.retrain} in alerting.webhooks`,
        })
      else if (w.kind !== 'retrain')
        problems.push({
          path: ['rules', i, 'retrain'],
          message: `webhook ${r.retrain} is not of kind retrain`,
        })
    }
    const metric = `${r.family}.${r.metric}`
    if (r.feature && r.family !== 'drift' && r.family !== 'quality')
      problems.push({ path: ['rules', i, 'feature'], message: `${metric} has no features` })
    if ((r.attribute || r.group) && r.family !== 'fairness')
      problems.push({ path: ['rules', i, 'attribute'], message: `${metric} has no attributes or groups` })
  })
  return problems
}
