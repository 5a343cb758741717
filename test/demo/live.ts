// The demo's live feed: what vigil does while the traffic streams in, printed as it happens —
// windows as they close (and what drifted in them), alerts as they change, and every Slack
// message, email and retraining webhook as the local stand-ins receive it.
import { type ClickHouse, fromClickHouseTime, queryRows } from '@vigil/clickhouse'
import type { Delivery, Mail, SlackPost, SlackUpdate, SlackUpload } from '@vigil/testing'
import { hhmm, live } from './print.js'

export interface Receivers {
  slack: { posts: SlackPost[]; uploads: SlackUpload[]; updates: SlackUpdate[] }
  smtp: { mails: Mail[] }
  retrainer: { deliveries: Delivery[] }
}

export function createLiveFeed(ch: ClickHouse, receivers: Receivers) {
  const seenWindows = new Set<string>()
  const seenChanges = new Set<string>()
  const cursor = { slack: 0, upload: 0, update: 0, mail: 0, hook: 0 }
  let running: Promise<void> | undefined

  async function windows(): Promise<void> {
    const rows = await queryRows<{
      model_id: string
      window_start: string
      events: number
      drifted: string[]
    }>(
      ch,
      `SELECT q.model_id AS model_id, q.window_start AS window_start, toUInt32(q.value) AS events,
              arraySort(groupUniqArrayIf(d.feature, d.drifted = 1 AND d.feature != '__model__')) AS drifted
       FROM (SELECT * FROM {db:Identifier}.quality_windows FINAL WHERE feature = '__model__' AND metric = 'count') AS q
       LEFT JOIN (SELECT * FROM {db:Identifier}.drift_windows FINAL) AS d
         ON d.model_id = q.model_id AND d.window_start = q.window_start
       GROUP BY q.model_id, q.window_start, events ORDER BY q.window_start, q.model_id`,
    )
    for (const r of rows) {
      const key = `${r.model_id}@${r.window_start}`
      if (seenWindows.has(key)) continue
      seenWindows.add(key)
      const start = fromClickHouseTime(r.window_start)
      live(
        `window ${hhmm(start)} ${r.model_id}: ${r.events} predictions, ` +
          (r.drifted.length > 0 ? `DRIFT in ${r.drifted.join(', ')}` : 'no drift'),
      )
    }
  }

  async function changes(): Promise<void> {
    const rows = await queryRows<{
      rule: string
      model_id: string
      subject: string
      transition: string
      window_start: string
      value: number | null
    }>(
      ch,
      `SELECT rule, model_id, subject, transition, window_start, value FROM {db:Identifier}.alert_history FINAL
       WHERE transition IN ('firing', 'resolved') ORDER BY window_start, rule, subject`,
    )
    for (const r of rows) {
      const key = `${r.rule}|${r.model_id}|${r.subject}|${r.window_start}|${r.transition}`
      if (seenChanges.has(key)) continue
      seenChanges.add(key)
      const value = r.value === null ? '' : ` = ${Number(r.value.toPrecision(3))}`
      live(
        `alert ${r.rule} ${r.transition.toUpperCase()}: ${r.model_id}${r.subject ? ` ${r.subject}` : ''}${value} ` +
          `(window ${hhmm(fromClickHouseTime(r.window_start))})`,
      )
    }
  }

  function deliveries(): void {
    const { slack, smtp, retrainer } = receivers
    for (const p of slack.posts.slice(cursor.slack))
      live(`Slack ${p.channel}${p.threadTs ? ' (thread)' : ''}: ${p.text}`)
    for (const u of slack.uploads.slice(cursor.upload))
      live(`Slack ${u.channel} (thread): chart ${u.filename}, ${Math.round(u.bytes.length / 1024)} KiB PNG`)
    for (const u of slack.updates.slice(cursor.update))
      live(`Slack ${u.channel}: firing message updated: ${u.text}`)
    for (const m of smtp.mails.slice(cursor.mail)) live(`email to ${m.to}: "${m.subject}"`)
    for (const d of retrainer.deliveries.slice(cursor.hook)) {
      const body = d.body as { kind: string; model: { id: string; version: string } }
      live(
        `retraining webhook: ${body.kind} ${body.model.id} ${body.model.version}, signature ${d.valid ? 'valid' : 'INVALID'}`,
      )
    }
    cursor.slack = slack.posts.length
    cursor.upload = slack.uploads.length
    cursor.update = slack.updates.length
    cursor.mail = smtp.mails.length
    cursor.hook = retrainer.deliveries.length
  }

  /** One look at everything; overlapping calls share the look in progress. */
  function tick(): Promise<void> {
    running ??= (async () => {
      try {
        await windows()
        await changes()
        deliveries()
      } finally {
        running = undefined
      }
    })()
    return running
  }

  let timer: NodeJS.Timeout | undefined
  return {
    tick,
    start(everyMs = 500) {
      timer = setInterval(() => void tick().catch(() => {}), everyMs)
    },
    async stop() {
      clearInterval(timer)
      await running
    },
  }
}
