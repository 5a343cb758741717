import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import {
  distributionBars,
  largestShareGap,
  launchBrowser,
  screenshot,
  watchedPage,
} from '@vigil/testing/browser'
import type { Browser } from 'puppeteer-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeOutcomeFiles } from './outcome-files.js'
import { finished, spawnVigil } from './processes.js'

// The HTML reports of `vigil drift-check --html` and `vigil evaluate --html`, made by the CLI and
// opened as a person would: a file in Chromium, with no network. What the page shows is read from
// it — the table's rows, and each chart's bars by the labels Vega gives them for screen readers.

const dir = mkdtempSync(join(tmpdir(), 'vigil-reports-'))
const env = {
  ...process.env,
  LOG_LEVEL: 'warn',
  VIGIL_DATA_DIR: mkdtempSync(join(tmpdir(), 'vigil-reports-data-')),
}

/** A seeded uniform generator (a linear congruential one is plenty for test data). */
function uniform(seed: number): () => number {
  let s = seed
  return () => {
    s = (s * 1_103_515_245 + 12_345) % 2 ** 31
    return s / 2 ** 31
  }
}

/** `n` rows of amount, country, age; `shifted` raises amount and brings a new country. */
function csv(n: number, seed: number, shifted: boolean): string {
  const r = uniform(seed)
  const rows = ['amount,country,age']
  for (let i = 0; i < n; i++) {
    const amount = (shifted ? 60 : 40) + 20 * (r() + r() + r() - 1.5)
    const country = shifted && r() < 0.25 ? 'PL' : ['DE', 'FR', 'NL'][Math.floor(r() * 3)]
    rows.push(`${amount.toFixed(2)},${country},${Math.floor(20 + 50 * r())}`)
  }
  return `${rows.join('\n')}\n`
}

let browser: Browser
beforeAll(async () => {
  browser = await launchBrowser()
}, 180_000)
afterAll(async () => browser?.close())

describe('HTML reports in a real browser', () => {
  it('drift-check: the drifted feature is marked, and its chart shows the current sample off the reference', async () => {
    writeFileSync(join(dir, 'ref.csv'), csv(3000, 1, false))
    writeFileSync(join(dir, 'cur.csv'), csv(2000, 2, true))
    const html = join(dir, 'drift.html')
    const out = await finished(
      spawnVigil(['drift-check', '-r', 'ref.csv', '-k', 'cur.csv', '--html', html], env, dir),
    )
    expect(out.code, out.stderr).toBe(0)
    expect(out.stderr).toContain(`wrote ${html}`)

    const { page, problems } = await watchedPage(browser, { offline: true })
    await page.goto(pathToFileURL(html).href)
    expect(await page.title()).toBe('Drift report: cur.csv against ref.csv')
    const rows = await page.$$eval('tbody tr', (trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].slice(0, 4).map((td) => td.textContent?.trim())),
    )
    expect(rows.map((r) => [r[0], r[1], r[3]])).toEqual([
      ['amount', 'numerical', 'DRIFT'],
      ['country', 'categorical', 'DRIFT'],
      ['age', 'numerical', 'ok'],
    ])
    expect(await page.$eval('.summary', (e) => e.textContent)).toContain('2 of 3 features drifted')
    // The bars, as Vega labels them for screen readers.
    const bars = (feature: string) => distributionBars(page, `figure[id="f-${feature}"]`)
    const gap = largestShareGap
    const amount = await bars('amount')
    expect(amount.filter((b) => b.side === 'reference')).toHaveLength(10) // the bins between the deciles
    expect(gap(amount)).toBeGreaterThan(0.2)
    expect(gap(await bars('age'))).toBeLessThan(0.05)
    const country = await bars('country')
    expect(country.find((b) => b.bin === 'PL' && b.side === 'current')?.share).toBeGreaterThan(0.2)
    expect(country.find((b) => b.bin === 'PL' && b.side === 'reference')?.share).toBe(0)
    // The drifted features' charts come first.
    expect(await page.$$eval('figure', (fs) => fs.map((f) => f.id))).toEqual([
      'f-amount',
      'f-country',
      'f-age',
    ])
    await screenshot(page, 'drift-check-report')
    expect(problems).toEqual([])
  }, 120_000)

  it('evaluate: the metrics, the confusion matrix and the groups below four fifths', async () => {
    writeOutcomeFiles(dir)
    const html = join(dir, 'evaluate.html')
    const out = await finished(
      spawnVigil(
        ['evaluate', '-p', 'p.ndjson', '-l', 'l.ndjson', '-c', 'vigil.yaml', '--html', html],
        env,
        dir,
      ),
    )
    expect(out.code, out.stderr).toBe(0)

    const { page, problems } = await watchedPage(browser, { offline: true })
    await page.goto(pathToFileURL(html).href)
    expect(await page.$eval('h1', (e) => e.textContent)).toBe('Evaluation of fraud')
    expect(await page.$eval('.summary', (e) => e.textContent)).toBe(
      '8 predictions, 6 labelled (label coverage 0.75).',
    )
    const metrics = Object.fromEntries(
      await page.$$eval('table:first-of-type tbody tr', (trs) =>
        trs.map((tr) => [tr.children[0]?.textContent, tr.children[1]?.textContent]),
      ),
    )
    expect(Number(metrics.accuracy)).toBeCloseTo(4 / 6, 5)
    expect(Number(metrics.roc_auc)).toBeCloseTo(8 / 9, 5)
    const cells = await page.$$eval('figure#confusion [role="graphics-symbol"]', (ms) =>
      ms.map((m) => m.getAttribute('aria-label') ?? ''),
    )
    // A cell per true and predicted class (a rect and its count), 2 of class fraud predicted fraud.
    expect(new Set(cells.filter((c) => c.startsWith('predicted'))).size).toBe(4)
    expect(cells).toContain('predicted: fraud; true class: fraud; n: 2')
    // Group b selects half as often as a: marked, and drawn below the 0.8 line.
    const marked = await page.$$eval('tr.drift td:first-child', (tds) => tds.map((t) => t.textContent))
    expect(marked).toEqual(['b'])
    const impact = await page.$$eval('figure[id="fairness-group"] [role="graphics-symbol"]', (ms) =>
      ms.map((m) => m.getAttribute('aria-label') ?? ''),
    )
    expect(impact.some((l) => /group: b/.test(l) && /below 0\.8/.test(l))).toBe(true)
    await screenshot(page, 'evaluate-report')
    expect(problems).toEqual([])
  }, 120_000)
})
