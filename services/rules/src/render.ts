import { createHash } from 'node:crypto'
import type { WebhookBody } from '@vigil/events'
import { SLACK_ACTIONS, slackActionValue } from '@vigil/events'
import type { AlertView, Notification } from './steps/plan.js'

// Slack's limits (Block Kit reference, and slackapi/bolt-js#2509 for the total): 50 blocks, 3000 characters of section text,
// 150 of header text; `msg_blocks_too_long` was seen near 13.2k characters over all blocks, well
// below the documented totals, so the blocks together stay under 10k (header 150, alerts 3000,
// context 2000, runbooks 3000).
const SLACK_MAX_BLOCKS = 50
const SLACK_SECTION_CHARS = 3000
const SLACK_HEADER_CHARS = 150
const SLACK_ALERTS_LISTED = 20
const SLACK_LINE_CHARS = 300
const SLACK_RUNBOOKS_LISTED = 5

const ICON = {
  firing: ':red_circle:',
  repeat: ':red_circle:',
  resolved: ':large_green_circle:',
  retrain: ':arrows_counterclockwise:',
}

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z')

function fmtValue(v: number | null): string {
  if (v === null) return 'n/a'
  return Math.abs(v) >= 1000 || Math.abs(v) < 0.001 ? v.toPrecision(3) : String(Number(v.toFixed(4)))
}

/** At most `max` UTF-16 units, never cutting a surrogate pair in half; `…` marks a cut. */
function truncate(text: string, max: number): string {
  if (text.length <= max) return text
  let end = max - 1
  if (end > 0 && /[\uD800-\uDBFF]/.test(text[end - 1]!)) end--
  return `${text.slice(0, end)}…`
}

/**
 * Slack mrkdwn: `&`, `<` and `>` escaped, so a model id or feature name can neither form a link nor
 * a mention such as `<!channel>` (https://api.slack.com/reference/surfaces/formatting#escaping).
 */
function mrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

/** A link Slack cannot misparse: what would end or split `<url|label>` (or a space) percent-encoded. */
function slackLink(url: string, label: string): string {
  return `<${url.replace(/[\s<>|]/gu, (c) => encodeURIComponent(c)).replace(/&/g, '&amp;')}|${label}>`
}

/** Whole lines, escaped, while they fit in `max`; a last line says how many were left out. */
function packLines(lines: readonly string[], max: number): string {
  const out: string[] = []
  let used = 0
  for (const [i, line] of lines.entries()) {
    const escaped = mrkdwn(truncate(line, SLACK_LINE_CHARS))
    const more = `• …and ${lines.length - i} more`
    const reserve = i < lines.length - 1 ? more.length + 1 : 0
    if (used + escaped.length + 1 + reserve > max) {
      out.push(more)
      break
    }
    out.push(escaped)
    used += escaped.length + 1
  }
  return out.join('\n')
}

/** `critical` if any alert is, else `warning` if any is, else `info`. */
export function severityOf(alerts: readonly AlertView[]): AlertView['severity'] {
  if (alerts.some((a) => a.severity === 'critical')) return 'critical'
  return alerts.some((a) => a.severity === 'warning') ? 'warning' : 'info'
}

/** One line a person reads first: what broke, on which model, how many. */
export function headline(n: Notification): string {
  const rules = [...new Set(n.alerts.map((a) => a.rule))].join(', ')
  const subjects = [...new Set(n.alerts.map((a) => a.subject || a.metric))]
  const what =
    subjects.length <= 3
      ? subjects.join(', ')
      : `${subjects.slice(0, 3).join(', ')} and ${subjects.length - 3} more`
  const model = `${n.modelId} ${n.modelVersion}`
  switch (n.kind) {
    case 'firing':
      return `[${severityOf(n.alerts).toUpperCase()}] ${model}: ${rules} firing (${what})`
    case 'repeat':
      return `[${severityOf(n.alerts).toUpperCase()}] ${model}: ${rules} still firing (${what})`
    case 'resolved':
      return `[RESOLVED] ${model}: ${rules} (${what})`
    case 'retrain':
      return `[RETRAIN] ${model}: retraining requested by ${rules}`
  }
}

function alertLine(a: AlertView): string {
  const subject = a.subject ? ` ${a.subject}` : ''
  return `${a.metric}${subject} = ${fmtValue(a.value)} (threshold ${a.condition}), since ${iso(a.since)}`
}

/**
 * Slack Block Kit: header, the alerts worst first, the window, runbook links; within Slack's
 * limits whatever the names and however many alerts (the fuzz test in render.test.ts checks).
 */
/** A name a button can carry (its value holds three, within Slack's 2,000 characters). */
const SLACK_REF_CHARS = 256

/**
 * *Acknowledge* and *Silence 2 h*, answered by the API's `POST /v1/slack/interactions`. They name
 * the rule and model, and the subject when the message is about one (else all it fired for).
 */
function alertButtons(n: Notification): object | undefined {
  const first = n.alerts[0]
  const subjects = new Set(n.alerts.map((a) => a.subject))
  const ref = {
    rule: first?.rule ?? '*',
    model: n.modelId,
    subject: subjects.size === 1 ? [...subjects][0]! || '*' : '*',
  }
  // A name too long for a button's value is left without buttons rather than silenced wrongly.
  if (Object.values(ref).some((v) => v.length > SLACK_REF_CHARS)) return undefined
  const value = slackActionValue(ref)
  return {
    type: 'actions',
    elements: [
      {
        type: 'button',
        action_id: SLACK_ACTIONS.acknowledge,
        text: { type: 'plain_text', text: 'Acknowledge' },
        value,
      },
      {
        type: 'button',
        action_id: SLACK_ACTIONS.silence,
        text: { type: 'plain_text', text: 'Silence 2 h' },
        value,
        confirm: {
          title: { type: 'plain_text', text: 'Silence for 2 hours?' },
          text: {
            type: 'mrkdwn',
            text: 'No notification for these alerts until the silence ends; they keep their state.',
          },
          confirm: { type: 'plain_text', text: 'Silence' },
          deny: { type: 'plain_text', text: 'Cancel' },
        },
      },
    ],
  }
}

export function slackMessage(n: Notification): { text: string; blocks: object[] } {
  const title = headline(n)
  const listed = n.alerts.slice(0, SLACK_ALERTS_LISTED).map((a) => `• ${alertLine(a)}`)
  if (n.alerts.length > SLACK_ALERTS_LISTED)
    listed.push(`• …and ${n.alerts.length - SLACK_ALERTS_LISTED} more`)
  const runbooks = [...new Set(n.alerts.flatMap((a) => (a.runbook ? [a.runbook] : [])))]
  const context = `window ${iso(n.windowStart)} – ${iso(n.windowEnd)} · model ${n.modelId} version ${n.modelVersion} · severity ${severityOf(n.alerts)}`
  const blocks: object[] = [
    {
      type: 'header',
      text: {
        type: 'plain_text',
        text: truncate(`${ICON[n.kind]} ${title}`, SLACK_HEADER_CHARS),
        emoji: true,
      },
    },
    { type: 'section', text: { type: 'mrkdwn', text: packLines(listed, SLACK_SECTION_CHARS) } },
    // Escaping at most quintuples a character (`&` → `&amp;`): 400 raw stays under 2000.
    { type: 'context', elements: [{ type: 'mrkdwn', text: mrkdwn(truncate(context, 400)) }] },
  ]
  // A link cut short would lead nowhere: whole links only, as many as fit.
  const page = n.alerts.find((a) => a.url)?.url
  const links = [
    ...(page ? [slackLink(page, 'Open in vigil')] : []),
    ...runbooks.slice(0, SLACK_RUNBOOKS_LISTED).map((u) => slackLink(u, 'Runbook')),
  ].filter((l) => l.length <= (SLACK_SECTION_CHARS - 3 * SLACK_RUNBOOKS_LISTED) / SLACK_RUNBOOKS_LISTED)
  if (links.length > 0) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: links.join(' · ') } })
  const buttons = n.kind === 'firing' || n.kind === 'repeat' ? alertButtons(n) : undefined
  if (buttons) blocks.push(buttons)
  // The notification text (fallback and push notification) is mrkdwn too.
  return { text: mrkdwn(truncate(title, 1000)), blocks: blocks.slice(0, SLACK_MAX_BLOCKS) }
}

/** Email: the subject says what broke; text and HTML bodies say the same. */
export function emailMessage(n: Notification): { subject: string; text: string; html: string } {
  const subject = truncate(headline(n), 200)
  const lines = n.alerts.map(alertLine)
  const runbooks = [...new Set(n.alerts.flatMap((a) => (a.runbook ? [a.runbook] : [])))]
  const pages = n.alerts.flatMap((a) => (a.url ? [a.url] : []))
  const text = [
    subject,
    '',
    ...lines.map((l) => `- ${l}`),
    '',
    `Window: ${iso(n.windowStart)} – ${iso(n.windowEnd)}`,
    `Model: ${n.modelId}, version ${n.modelVersion}`,
    ...pages.map((u) => `Open in vigil: ${u}`),
    ...runbooks.map((u) => `Runbook: ${u}`),
  ].join('\n')
  const esc = (s: string) =>
    s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
  const html = [
    `<h2>${esc(subject)}</h2>`,
    `<ul>${lines.map((l) => `<li>${esc(l)}</li>`).join('')}</ul>`,
    `<p>Window: ${esc(iso(n.windowStart))} – ${esc(iso(n.windowEnd))}<br>Model: ${esc(n.modelId)}, version ${esc(n.modelVersion)}</p>`,
    ...n.alerts.flatMap((a) =>
      a.url
        ? [`<p><a href="${esc(a.url)}">Open in vigil${a.subject ? `: ${esc(a.subject)}` : ''}</a></p>`]
        : [],
    ),
    ...runbooks.map((u) => `<p><a href="${esc(u)}">Runbook</a></p>`),
  ].join('\n')
  return { subject, text, html }
}

/** How a retraining pipeline fetches the model version's recent labelled data (docs/alerts.md). */
export function labelledDataQuery(database: string): string {
  return [
    'SELECT p.*, l.label, l.timestamp AS label_time',
    `FROM ${database}.predictions AS p FINAL`,
    `INNER JOIN ${database}.labels AS l FINAL ON l.model_id = p.model_id AND l.prediction_id = p.prediction_id`,
    'WHERE p.model_id = {model_id:String} AND p.model_version = {model_version:String}',
    '  AND p.event_time >= {from:DateTime64(3)}',
  ].join('\n')
}

/** The JSON body of webhooks (schemas/events/webhook.v1.schema.json). */
export function webhookBody(n: Notification, database: string, labelledSince: number): WebhookBody {
  const base: WebhookBody = {
    schema_version: 1,
    id: n.id,
    kind: n.kind,
    summary: headline(n),
    severity: severityOf(n.alerts),
    model: { id: n.modelId, version: n.modelVersion },
    window: { start: iso(n.windowStart), end: iso(n.windowEnd) },
    alerts: n.alerts.map((a) => ({
      rule: a.rule,
      metric: a.metric,
      subject: a.subject,
      value: a.value,
      condition: a.condition,
      severity: a.severity,
      episode: a.episode,
      since: iso(a.since),
      window: { start: iso(a.windowStart), end: iso(a.windowEnd) },
      labels: a.labels,
      ...(a.runbook ? { runbook: a.runbook } : {}),
      ...(a.url ? { url: a.url } : {}),
      ...(a.chartUrl ? { chart_url: a.chartUrl } : {}),
    })),
  }
  if (n.kind !== 'retrain') return base
  return {
    ...base,
    training_data: {
      description: "the model version's predictions joined with their labels since the given time",
      query: labelledDataQuery(database),
      params: { model_id: n.modelId, model_version: n.modelVersion, from: iso(labelledSince) },
    },
  }
}

/** Alertmanager `/api/v2/alerts` entries: firing alerts carry no end, resolved ones end now. */
export function alertmanagerAlerts(n: Notification, now: number): object[] {
  return n.alerts.map((a) => ({
    labels: {
      alertname: a.rule,
      model: a.modelId,
      model_version: a.modelVersion,
      metric: a.metric,
      severity: a.severity,
      ...(a.subject ? { subject: a.subject } : {}),
      ...a.labels,
    },
    annotations: {
      summary: alertLine(a),
      ...(a.runbook ? { runbook_url: a.runbook } : {}),
    },
    startsAt: iso(a.since),
    ...(n.kind === 'resolved' ? { endsAt: iso(now) } : {}),
    ...(a.url ? { generatorURL: a.url } : {}),
  }))
}

/** PagerDuty's severities; vigil's rule severities map onto them. */
const PAGERDUTY_SEVERITY: Record<string, 'critical' | 'error' | 'warning' | 'info'> = {
  critical: 'critical',
  error: 'error',
  warning: 'warning',
  info: 'info',
}

/**
 * PagerDuty Events API v2 events, one per alert: `trigger` on firing (again on a repeat, which
 * PagerDuty folds into the open incident), `resolve` on resolution, with a `dedup_key` per alert
 * episode so an incident opens and closes once however often it is sent.
 */
export function pagerDutyEvents(n: Notification, routingKey: string): object[] {
  if (n.kind === 'retrain') return []
  return n.alerts.map((a) => ({
    routing_key: routingKey,
    event_action: n.kind === 'resolved' ? 'resolve' : 'trigger',
    // ≤ 255 characters: the alert key can be long, its hash with the episode cannot.
    dedup_key: `vigil-${createHash('sha256').update(`${a.key}\u0000${a.episode}`).digest('hex').slice(0, 40)}`,
    ...(n.kind === 'resolved'
      ? {}
      : {
          payload: {
            summary: truncate(
              `[${a.severity.toUpperCase()}] ${a.modelId} ${a.modelVersion}: ${alertLine(a)}`,
              1024,
            ),
            source: `vigil/${a.modelId}`,
            severity: PAGERDUTY_SEVERITY[a.severity] ?? 'warning',
            timestamp: iso(a.windowEnd),
            component: a.modelId,
            group: a.rule,
            class: a.metric,
            custom_details: {
              model_version: a.modelVersion,
              subject: a.subject,
              value: a.value,
              condition: a.condition,
              window: `${iso(a.windowStart)} – ${iso(a.windowEnd)}`,
              since: iso(a.since),
              ...a.labels,
            },
          },
          ...(a.chartUrl
            ? {
                images: [
                  {
                    src: a.chartUrl,
                    ...(a.url ? { href: a.url } : {}),
                    alt: `${a.metric} over the last windows`,
                  },
                ],
              }
            : {}),
          ...(a.url || a.runbook
            ? {
                links: [
                  ...(a.url ? [{ href: a.url, text: 'Open in vigil' }] : []),
                  ...(a.runbook ? [{ href: a.runbook, text: 'Runbook' }] : []),
                ],
              }
            : {}),
        }),
  }))
}
