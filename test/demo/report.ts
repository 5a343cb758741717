// The demo's report once the traffic has been processed: what landed in ClickHouse, drift,
// accuracy and fairness per window, the alerts delivered and the dead-letter topic. It returns
// what the demo promised and did not show (empty when all is well).
import { type ClickHouse, queryRows } from '@vigil/clickhouse'
import type { VigilConfig } from '@vigil/config'
import { readDlqHeaders } from '@vigil/kafka'
import { readTopic } from '@vigil/testing'
import type { Kafka } from 'kafkajs'
import { INCOME_DRIFT_FROM, KSERVE_MODEL } from './kserve.js'
import type { Receivers } from './live.js'
import { heading, hhmm, say, table } from './print.js'
import { AMOUNT_DRIFT_FROM, BIASED_THRESHOLD, CONCEPT_SHIFT_FROM, NEW_COUNTRY_FROM } from './sample.js'

export async function printReport(
  ch: ClickHouse,
  config: VigilConfig,
  kafka: Kafka,
  { slack, smtp, retrainer }: Receivers,
): Promise<string[]> {
  heading('What landed in ClickHouse')
  table(
    await queryRows(
      ch,
      `SELECT 'predictions' AS table, count() AS rows, uniqExact(model_id) AS models,
              toString(min(event_time)) AS first_event, toString(max(event_time)) AS last_event
       FROM {db:Identifier}.predictions
       UNION ALL
       SELECT 'labels', count(), uniqExact(model_id), toString(min(event_time)), toString(max(event_time))
       FROM {db:Identifier}.labels`,
    ),
  )
  say()
  table(
    await queryRows(
      ch,
      `SELECT p.model_id AS model, any(p.model_version) AS version, count() AS predictions,
              countIf(l.prediction_id != '') AS labelled,
              round(countIf(l.prediction_id != '' AND l.label = p.predicted_label) / countIf(l.prediction_id != ''), 3) AS accuracy_so_far
       FROM {db:Identifier}.predictions AS p
       LEFT JOIN {db:Identifier}.labels AS l ON l.model_id = p.model_id AND l.prediction_id = p.prediction_id
       GROUP BY p.model_id ORDER BY p.model_id`,
      {},
    ),
  )

  heading('Drift per 30-minute window')
  say(
    `  injected: fraud-detector.amount runs higher from ${hhmm(AMOUNT_DRIFT_FROM)}, a new country (PL) appears from ${hhmm(NEW_COUNTRY_FROM)}; ${KSERVE_MODEL}.income runs lower from ${hhmm(INCOME_DRIFT_FROM)}`,
  )
  const windows = await queryRows<{
    model: string
    window: string
    events: number
    reference: string
    drift_share: number | null
    drifted: string
  }>(
    ch,
    `SELECT q.model_id AS model, formatDateTime(q.window_start, '%H:%i') AS window, toUInt32(q.value) AS events,
            anyIf(d.reference, d.feature = '__model__') AS reference,
            anyIf(d.value, d.feature = '__model__' AND d.metric = 'drift_share') AS drift_share,
            arrayStringConcat(arraySort(groupUniqArrayIf(d.feature, d.drifted = 1 AND d.feature != '__model__')), ', ') AS drifted
     FROM {db:Identifier}.quality_windows AS q FINAL
     LEFT JOIN (SELECT * FROM {db:Identifier}.drift_windows FINAL) AS d
       ON d.model_id = q.model_id AND d.window_start = q.window_start
     WHERE q.feature = '__model__' AND q.metric = 'count'
     GROUP BY model, q.window_start, window, events ORDER BY model, q.window_start`,
  )
  for (const w of windows) {
    if (!w.reference) (w as Record<string, unknown>).reference = '(this window is the reference)'
    ;(w as Record<string, unknown>).drift_share =
      w.drift_share === null ? '-' : Number(w.drift_share).toFixed(2)
    if (!w.drifted) (w as Record<string, unknown>).drifted = w.reference.startsWith('(') ? '-' : 'none'
  }
  table(windows)
  const newCountry = await queryRows<{ window: string; share: number }>(
    ch,
    `SELECT formatDateTime(window_start, '%H:%i') AS window, round(value, 3) AS share
     FROM {db:Identifier}.quality_windows FINAL
     WHERE model_id = 'fraud-detector' AND feature = 'country' AND metric = 'new_category_share' AND value > 0
     ORDER BY window_start`,
  )
  say(
    `  fraud-detector.country new-category share: ${newCountry.map((r) => `${r.window} ${r.share}`).join(', ') || 'none'}`,
  )
  heading('Accuracy per 30-minute window, from delayed labels')
  say(
    `  injected: fraud-detector's ground truth shifts at ${hhmm(CONCEPT_SHIFT_FROM)} (fraud now comes from web devices); labels arrive 1-25 h after their predictions`,
  )
  const accuracy = await queryRows<{
    model: string
    window: string
    labelled: number
    coverage: number
    accuracy: number | null
    recall: number | null
    roc_auc: number | null
  }>(
    ch,
    `SELECT model_id AS model, formatDateTime(window_start, '%H:%i') AS window, toUInt32(any(n_labelled)) AS labelled,
            round(any(label_coverage), 2) AS coverage,
            round(anyIf(value, metric = 'accuracy'), 3) AS accuracy,
            round(anyIf(value, metric = 'recall'), 3) AS recall,
            round(anyIf(value, metric = 'roc_auc'), 3) AS roc_auc
     FROM {db:Identifier}.performance_windows FINAL
     WHERE class = ''
     GROUP BY model_id, window_start ORDER BY model_id, window_start`,
  )
  table(accuracy)

  heading('Fairness of fraud-detector by gender (reference group m)')
  say(`  injected: gender=f is flagged as fraud only above a score of ${BIASED_THRESHOLD} (0.5 for m)`)
  const fairness = await queryRows<{
    window: string
    selection_rate_m: number | null
    selection_rate_f: number | null
    disparate_impact_f: number | null
    tpr_f: number | null
    tpr_m: number | null
  }>(
    ch,
    `SELECT formatDateTime(window_start, '%H:%i') AS window,
            round(anyIf(value, group = 'm' AND metric = 'selection_rate'), 3) AS selection_rate_m,
            round(anyIf(value, group = 'f' AND metric = 'selection_rate'), 3) AS selection_rate_f,
            round(anyIf(value, group = 'f' AND metric = 'disparate_impact'), 3) AS disparate_impact_f,
            round(anyIf(value, group = 'm' AND metric = 'tpr'), 3) AS tpr_m,
            round(anyIf(value, group = 'f' AND metric = 'tpr'), 3) AS tpr_f
     FROM {db:Identifier}.fairness_windows FINAL
     WHERE model_id = 'fraud-detector' AND attribute = 'gender'
     GROUP BY window_start ORDER BY window_start`,
  )
  table(fairness)

  const messages = await readTopic(kafka, config.kafka.topics.metrics, windows.length, 5000)
  say(`  ${messages.length} window messages on ${config.kafka.topics.metrics} for the rules service`)

  heading('Alerts delivered')
  say(`  rules: ${config.rules.map((r) => r.name).join(', ')} (test/demo/vigil.yaml)`)
  say(`  Slack (${slack.posts.length} messages):`)
  for (const p of slack.posts) say(`    ${p.channel}${p.threadTs ? ' (in thread)' : ''}  ${p.text}`)
  say(`  Email (${smtp.mails.length}):`)
  for (const m of smtp.mails) say(`    to ${m.to}  "${m.subject}"`)
  say(`  Retraining webhook (${retrainer.deliveries.length}):`)
  for (const d of retrainer.deliveries) {
    const body = d.body as { kind: string; model: { id: string; version: string }; alerts: unknown[] }
    say(
      `    ${body.kind} for ${body.model.id} ${body.model.version}, ${body.alerts.length} alert(s), signature ${d.valid ? 'valid' : 'INVALID'}`,
    )
  }
  table(
    await queryRows(
      ch,
      `SELECT rule, model_id AS model, subject, status, formatDateTime(since, '%H:%i') AS since, round(value, 3) AS value
       FROM {db:Identifier}.alerts FINAL WHERE status != 'inactive' ORDER BY rule, model, subject`,
    ),
  )

  // The demo's promise, checked: the injected drift found where it was injected, and told; the
  // concept shift seen in accuracy and the bias in the selection rates.
  // A drop of 5 points: fraud is rare, so accuracy moves less than ROC AUC (0.8 → 0.5 here).
  function accuracyDropped(rows: typeof accuracy): boolean {
    const fraudRows = rows.filter((w) => w.model === 'fraud-detector' && w.accuracy !== null)
    const mean = (xs: typeof fraudRows) => xs.reduce((a, w) => a + w.accuracy!, 0) / Math.max(1, xs.length)
    const shift = hhmm(CONCEPT_SHIFT_FROM)
    return (
      mean(fraudRows.filter((w) => w.window >= shift)) <
      mean(fraudRows.filter((w) => w.window < shift)) - 0.05
    )
  }
  const amountFrom = windows.find((w) => w.model === 'fraud-detector' && w.window === hhmm(AMOUNT_DRIFT_FROM))
  const incomeFrom = windows.find((w) => w.model === KSERVE_MODEL && w.window === hhmm(INCOME_DRIFT_FROM))
  const failures = [
    ...(incomeFrom?.drifted.includes('income')
      ? []
      : [
          `${KSERVE_MODEL}.income (from KServe's CloudEvents) not found drifted at ${hhmm(INCOME_DRIFT_FROM)}`,
        ]),
    ...(slack.posts.some((p) => p.text.includes(`${KSERVE_MODEL} v12: credit-drift firing`))
      ? []
      : [`no Slack message for ${KSERVE_MODEL}'s drift`]),
    ...(amountFrom?.drifted.includes('amount')
      ? []
      : [`amount not found drifted at ${hhmm(AMOUNT_DRIFT_FROM)}`]),
    ...(slack.posts.length > 0 ? [] : ['no Slack message delivered']),
    ...(accuracyDropped(accuracy)
      ? []
      : [`fraud-detector's accuracy did not drop after ${hhmm(CONCEPT_SHIFT_FROM)}`]),
    ...(fairness.some((w) => (w.disparate_impact_f ?? 1) < 0.8)
      ? []
      : ['no window shows gender=f selected less']),
    ...(smtp.mails.length > 0 ? [] : ['no email delivered']),
    ...(retrainer.deliveries.some((d) => d.valid) ? [] : ['no signed retraining webhook delivered']),
  ]

  // Each notification reached its receiver once: no idempotency key twice, on any channel.
  const received: [string, string[]][] = [
    ['Slack message', slack.posts.map((p) => p.key)],
    ['email', smtp.mails.map((m) => m.key)],
    ['retraining webhook', retrainer.deliveries.map((d) => d.key)],
  ]
  for (const [channel, keys] of received)
    if (keys.some((k) => k === '') || new Set(keys).size !== keys.length)
      failures.push(`a ${channel} was delivered twice or without its idempotency key`)

  heading('Dead-letter topic')
  // Every service that reads a topic reports the invalid events it meets: one row per event.
  const bySource = new Map<string, { h: ReturnType<typeof readDlqHeaders>; services: Set<string> }>()
  for (const m of await readTopic(kafka, config.kafka.topics.dlq, 40, 5000)) {
    const h = readDlqHeaders(m.headers)
    const key = `${h.topic}[${h.partition}]@${h.offset}`
    const entry = bySource.get(key) ?? { h, services: new Set<string>() }
    entry.services.add(h.service)
    bySource.set(key, entry)
  }
  say(
    `  ${bySource.size} invalid events in ${config.kafka.topics.dlq}, each with its reason and source offset:`,
  )
  table(
    [...bySource.values()]
      .sort((a, b) => a.h.topic.localeCompare(b.h.topic) || Number(a.h.offset) - Number(b.h.offset))
      .map(({ h, services }) => ({
        source: `${h.topic.slice(config.kafka.topics.dlq.length - 'vigil.dlq'.length)}[${h.partition}]@${h.offset}`,
        reason: h.reason.length > 80 ? `${h.reason.slice(0, 77)}...` : h.reason,
        'reported by': [...services].sort().join(', '),
      })),
  )

  return failures
}
