import { describe, expect, it } from 'vitest'
import { alertmanagerAlerts, emailMessage, pagerDutyEvents, slackMessage, webhookBody } from './render.js'
import type { AlertView, Notification } from './steps/plan.js'

/** Deterministic pseudo-random numbers (mulberry32), so a failure reproduces. */
function random(seed: number) {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

// Pieces that break naive renderers: mentions, entities, link syntax, emoji (surrogate pairs),
// CJK, combining marks, and runs long enough to cross every limit.
const PIECES = [
  'amount',
  '<!channel>',
  '<@U123>',
  '&',
  '<',
  '>',
  '|',
  '🔥',
  '漂移特征',
  'é',
  '\u0301',
  ' ',
  '_*~`',
]

function text(next: () => number, maxRepeat: number): string {
  const parts: string[] = []
  const n = 1 + Math.floor(next() * 6)
  for (let i = 0; i < n; i++)
    parts.push(PIECES[Math.floor(next() * PIECES.length)]!.repeat(1 + Math.floor(next() * maxRepeat)))
  return parts.join('')
}

function notification(next: () => number): Notification {
  const long = next() < 0.3 ? 10_000 : 8
  const modelId = text(next, long)
  const alerts: AlertView[] = Array.from(
    { length: 1 + Math.floor(next() * (next() < 0.2 ? 500 : 5)) },
    (_, i) => ({
      key: `k${i}`,
      rule: text(next, next() < 0.1 ? 5_000 : 4),
      severity: (['info', 'warning', 'critical'] as const)[i % 3]!,
      modelId,
      modelVersion: text(next, 3),
      subject: text(next, next() < 0.1 ? 50_000 : 6),
      metric: 'psi',
      value: next() < 0.1 ? null : next() * 10 ** Math.floor(next() * 12 - 6),
      condition: '> 0.2',
      episode: 'e',
      since: 1_700_000_000_000,
      windowStart: 1_700_000_000_000,
      windowEnd: 1_700_003_600_000,
      ...(next() < 0.5
        ? { runbook: `https://runbooks.example.com/${text(next, next() < 0.2 ? 400 : 3)}?a=1&b=2` }
        : {}),
      labels: {},
    }),
  )
  return {
    id: 'n',
    channel: 'slack',
    target: '#ml',
    kind: (['firing', 'repeat', 'resolved', 'retrain'] as const)[Math.floor(next() * 4)]!,
    modelId,
    modelVersion: alerts[0]!.modelVersion,
    windowStart: 1_700_000_000_000,
    windowEnd: 1_700_003_600_000,
    alerts,
  }
}

interface Block {
  type: string
  text?: { type: string; text: string }
  elements?: { type: string; text: string }[]
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/
const LINK = /<https?:\/\/[^<>|\s]*\|Runbook>/g

describe('slackMessage within Slack limits', () => {
  it('500 generated notifications: ≤ 50 blocks, header ≤ 150, sections ≤ 3000, no stray markup', () => {
    const next = random(20261124)
    for (let i = 0; i < 500; i++) {
      const n = notification(next)
      const m = slackMessage(n)
      const blocks = m.blocks as Block[]
      const texts = blocks
        .filter((b) => b.type !== 'actions')
        .flatMap((b) => [...(b.text ? [b.text] : []), ...(b.elements ?? [])])
      // The buttons: within Block Kit's limits (a button's text ≤ 75 characters, value ≤ 2000).
      for (const b of blocks.filter((x) => x.type === 'actions'))
        for (const e of b.elements as unknown as { text: { text: string }; value: string }[]) {
          expect(e.text.text.length).toBeLessThanOrEqual(75)
          expect(e.value.length).toBeLessThanOrEqual(2000)
        }
      expect(blocks.length).toBeLessThanOrEqual(50)
      expect(blocks[0]!.type).toBe('header')
      expect(blocks[0]!.text!.type).toBe('plain_text')
      expect(blocks[0]!.text!.text.length).toBeLessThanOrEqual(150)
      for (const t of texts) {
        expect(t.text.length, `${t.type} text`).toBeGreaterThan(0)
        expect(t.text.length, `${t.type} text`).toBeLessThanOrEqual(3000)
        expect(LONE_SURROGATE.test(t.text), 'a surrogate pair cut in half').toBe(false)
        // No mention or link may come from a name: the only `<…>` left are the runbook links.
        if (t.type === 'mrkdwn') expect(t.text.replace(LINK, '')).not.toMatch(/[<>]/)
      }
      expect(texts.reduce((s, t) => s + t.text.length, 0)).toBeLessThanOrEqual(10_000)
      expect(m.text.length).toBeLessThanOrEqual(5000)
      expect(LONE_SURROGATE.test(m.text)).toBe(false)
      expect(m.text.replace(LINK, '')).not.toMatch(/[<>]/)
    }
  })

  it('escapes a mention in a feature name, keeps runbook links whole, says how many alerts were left out', () => {
    const next = random(1)
    const base = notification(next)
    const alerts = Array.from({ length: 30 }, (_, i) => ({
      ...base.alerts[0]!,
      subject: i === 0 ? '<!channel> & co' : `f${i}`,
      runbook: 'https://runbooks.example.com/drift?team=ml&x=<y>|z',
    }))
    const m = slackMessage({ ...base, modelId: 'fraud', alerts })
    const body = JSON.stringify(m.blocks)
    expect(body).toContain('&lt;!channel&gt; &amp; co')
    expect(body).toContain('<https://runbooks.example.com/drift?team=ml&amp;x=%3Cy%3E%7Cz|Runbook>')
    expect(body).toContain('…and 10 more')
  })
})

describe('links to the console', () => {
  it('every channel links an alert to its page when it has one', () => {
    const base = notification(random(2))
    const url = 'https://vigil.example.com/ui/alerts/0123456789abcdef0123'
    const chartUrl = 'https://vigil.example.com/v1/alerts/episodes/0123456789abcdef0123/chart.png?sig=ab'
    const alerts = [
      { ...base.alerts[0]!, subject: 'amount', url, chartUrl, runbook: 'https://runbooks.example.com/drift' },
    ]
    const n: Notification = { ...base, kind: 'firing', modelId: 'fraud', alerts }
    expect(JSON.stringify(slackMessage(n).blocks)).toContain(
      `<${url}|Open in vigil> · <https://runbooks.example.com/drift|Runbook>`,
    )
    const mail = emailMessage(n)
    expect(mail.text).toContain(`Open in vigil: ${url}`)
    expect(mail.html).toContain(`<a href="${url}">Open in vigil: amount</a>`)
    expect(webhookBody(n, 'vigil', 0).alerts[0]).toMatchObject({ url, chart_url: chartUrl })
    expect(alertmanagerAlerts(n, 0)[0]).toMatchObject({ generatorURL: url })
    expect(pagerDutyEvents(n, 'key')[0]).toMatchObject({
      images: [{ src: chartUrl, href: url }],
      links: [
        { href: url, text: 'Open in vigil' },
        { href: 'https://runbooks.example.com/drift', text: 'Runbook' },
      ],
    })
  })
})
