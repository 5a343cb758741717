import { type ChildProcess, spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ARTIFACTS } from '@vigil/testing'
import {
  distributionBars,
  largestShareGap,
  launchBrowser,
  screenshot,
  watchedPage,
} from '@vigil/testing/browser'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { finished, repoRoot, tsxLoader, untilOutput } from './processes.js'

// `npm run demo` is the first thing a newcomer runs: it must keep showing what it promises, and
// with `--follow` leave vigil running with its console, which a person then opens in a browser.

const DEMO_TIMEOUT = 600_000
let child: ChildProcess
let out: { stdout: string; stderr: string }
let consoleUrl = ''

beforeAll(async () => {
  const script = fileURLToPath(new URL('../demo/run.ts', import.meta.url))
  child = spawn(
    process.execPath,
    ['--conditions=@vigil/source', '--import', tsxLoader, script, '--short', '--follow'],
    {
      cwd: repoRoot,
      env: {
        ...process.env,
        VIGIL_DATA_DIR: mkdtempSync(join(tmpdir(), 'vigil-demo-test-')),
        VIGIL_HTTP_PORT: '0',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  out = await untilOutput(child, /Open the console:\n\s+(\S+)\n/, DEMO_TIMEOUT)
  consoleUrl = /Open the console:\n\s+(\S+)\n/.exec(out.stdout)?.[1] ?? ''
}, DEMO_TIMEOUT)

afterAll(async () => {
  if (!child || child.exitCode !== null) return
  const exited = finished(child)
  child.kill('SIGTERM')
  expect((await exited).code).toBe(0)
}, 120_000)

describe('npm run demo -- --follow', () => {
  it('finds the injected drift, concept shift and bias where they were injected, and delivers each alert once', () => {
    expect(consoleUrl, out.stdout + out.stderr).toMatch(
      /^http:\/\/127\.0\.0\.1:\d+\/ui#token=demo-oncall-\d+$/,
    )
    expect(out.stdout).toMatch(/fraud-detector\s+09:30\s+\d+\s+baseline:\*\s+0\.20\s+amount\s/)
    expect(out.stdout).toMatch(/fraud-detector\s+10:00\s+\d+\s+baseline:\*\s+0\.40\s+amount, country\s/)
    expect(out.stdout).not.toMatch(/churn-model\s+\S+\s+\d+\s+first-window\S*\s+\S+\s+(?!none)\w/)
    expect(out.stdout).toContain(
      '#ml-alerts  [CRITICAL] fraud-detector 2026-11-01: feature-drift firing (amount)',
    )
    expect(out.stdout).toContain(
      'to oncall@example.com  "[CRITICAL] fraud-detector 2026-11-01: feature-drift firing (amount)"',
    )
    expect(out.stdout).toMatch(/retrain for fraud-detector 2026-11-01, 1 alert\(s\), signature valid/)
    // The demo exits 1 unless accuracy dropped after the concept shift and gender=f is selected
    // less (disparate impact < 0.8); the alerts say so.
    expect(out.stdout).toContain(
      '#ml-quality  [CRITICAL] fraud-detector 2026-11-01: accuracy-drop firing (performance.accuracy)',
    )
    expect(out.stdout).toContain(
      '#ml-fairness  [WARNING] fraud-detector 2026-11-01: disparate-impact firing (gender=f)',
    )
    expect(out.stdout).toMatch(/fraud-detector\s+10:00\s+\d+\s+[\d.]+\s+0\.7\d+\s/)
    expect(out.stdout).toContain('10 invalid events')
    // Printed as it happened: the window where the drift was injected, then its alert and deliveries.
    const feed = out.stdout.split('\n').filter((l) => /^\s+\[\+\s*[\d.]+s\]/.test(l))
    const at = (re: RegExp) => feed.findIndex((l) => re.test(l))
    const drifted = at(/window 09:30 fraud-detector: \d+ predictions, DRIFT in amount$/)
    expect(drifted, feed.join('\n')).toBeGreaterThanOrEqual(0)
    expect(at(/alert feature-drift FIRING: fraud-detector amount/)).toBeGreaterThan(drifted)
    expect(
      at(/Slack #ml-alerts: \[CRITICAL\] fraud-detector 2026-11-01: feature-drift firing \(amount\)/),
    ).toBeGreaterThan(drifted)
    expect(at(/retraining webhook: retrain fraud-detector 2026-11-01, signature valid/)).toBeGreaterThan(
      drifted,
    )
    // credit-risk came only as KServe's CloudEvents: paired into predictions, its drift found
    // where it was injected (and not before), and told.
    for (const w of ['08:30', '09:00'])
      expect(out.stdout).toMatch(
        new RegExp(`credit-risk\\s+${w}\\s+\\d+\\s+first-window\\S+\\s+0\\.00\\s+none\\s`),
      )
    expect(out.stdout).toMatch(
      /credit-risk\s+09:30\s+\d+\s+first-window\S+\s+[\d.]+\s+__label__, __score__, income\s/,
    )
    expect(out.stdout).toContain(
      '#ml-alerts  [WARNING] credit-risk v12: credit-drift firing (__label__, __score__, income)',
    )
    // The alert's chart went into its Slack thread.
    expect(
      feed.some((l) =>
        /Slack C_ml-alerts \(thread\): chart vigil-fraud-detector-feature-drift\.png, \d+ KiB PNG$/.test(l),
      ),
    ).toBe(true)
    // Traffic came every way, and a bad HTTP record was answered with its reason.
    expect(out.stdout).toMatch(
      /events sent: \d+ through Kafka, \d+ through the HTTP API, 720 KServe CloudEvents/,
    )
    expect(out.stdout).toMatch(/a malformed prediction over HTTP: 400 .*missing required field/)
    // Delivered to each channel once (the demo exits 1 if any idempotency key arrives twice).
    expect(out.stdout).toMatch(
      /delivered: \d+ Slack messages, \d+ emails, 1 retraining webhooks, each exactly once/,
    )
    for (const line of [
      'Slack #ml-alerts: [CRITICAL] fraud-detector 2026-11-01: feature-drift firing (amount)',
      'email to oncall@example.com: "[CRITICAL] fraud-detector 2026-11-01: feature-drift firing (amount)"',
      'Slack #ml-quality: [CRITICAL] fraud-detector 2026-11-01: accuracy-drop firing (performance.accuracy)',
      'Slack #ml-fairness: [WARNING] fraud-detector 2026-11-01: disparate-impact firing (gender=f)',
    ])
      expect(
        feed.filter((l) => l.endsWith(line)),
        line,
      ).toHaveLength(1)
    // The analyst's next queries ran through the API.
    expect(out.stdout).toMatch(/fraud-detector\s+country\s+[\d.]+\s+2\s/)
  })
  it('opens the console on the demo data as a person would: the fleet, a heatmap, a distribution, an alert link, a login', async () => {
    const base = consoleUrl.slice(0, consoleUrl.indexOf('/ui'))
    const token = consoleUrl.slice(consoleUrl.indexOf('#token=') + '#token='.length)
    const browser = await launchBrowser()
    try {
      const { page, problems } = await watchedPage(browser)
      await page.setViewport({ width: 1280, height: 900 })
      const open = async (url: string) => {
        await page.goto(url)
        await page.waitForSelector('#app[data-ready="true"]', { timeout: 60_000 })
      }

      // The fleet: every model, the firing ones first; the token left the address bar.
      await open(consoleUrl)
      expect(page.url()).toBe(`${base}/ui?sort=firing&order=desc`)
      const rows = () =>
        page.$$eval('tr[data-model]', (trs) => trs.map((tr) => tr.getAttribute('data-model')))
      expect(await rows()).toEqual(['fraud-detector', 'credit-risk', 'churn-model'])
      await page.type('input[name="q"]', 'churn')
      expect(await rows()).toEqual(['churn-model'])
      await page.click('input[name="q"]', { count: 3 })
      await page.keyboard.press('Backspace')
      expect(await rows()).toHaveLength(3)
      await screenshot(page, 'console-fleet')

      // fraud-detector's page: amount marked drifted from the injection window (09:30) on.
      await Promise.all([page.waitForNavigation(), page.click('tr[data-model="fraud-detector"] a')])
      await page.waitForSelector('#app[data-ready="true"]', { timeout: 60_000 })
      const labels = (role: string) =>
        page.$$eval(`[data-chart="heatmap"] [aria-roledescription="${role}"]`, (ms) =>
          ms.map((m) => m.getAttribute('aria-label') ?? ''),
        )
      const windowsOf = (ls: string[]) =>
        ls
          .map((l) => /^window: (\S+); feature: amount\b/.exec(l)?.[1])
          .filter((w): w is string => !!w)
          .sort()
      const amountWindows = windowsOf(await labels('rect mark'))
      const drifted = windowsOf(await labels('point'))
      const injected = '2026-11-24T09:30:00.000Z'
      expect(amountWindows.length).toBeGreaterThan(2)
      expect(drifted[0]).toBe(injected)
      expect(drifted).toEqual(amountWindows.filter((w) => w >= injected))

      // A click on amount's 09:30 cell: that window's distribution, off the reference.
      await page.click(`[data-chart="heatmap"] [aria-label^="window: ${injected}; feature: amount;"]`)
      await page.waitForSelector(`.distribution .caption[data-window="${injected}"][data-feature="amount"]`)
      await page.waitForSelector('[data-chart="distribution"] [role="graphics-symbol"]')
      const bars = await distributionBars(page, '[data-chart="distribution"]')
      expect(bars.filter((b) => b.side === 'reference')).toHaveLength(10)
      expect(largestShareGap(bars)).toBeGreaterThan(0.05)
      expect(page.url()).toContain(`window=${encodeURIComponent(injected)}&feature=amount`)
      await screenshot(page, 'console-model')

      // The link in the Slack message of amount's alert opens the alert on its window.
      const sent = (await (
        await fetch(`${base}/v1/notifications?channel=slack&model=fraud-detector`, {
          headers: { authorization: `Bearer ${token}` },
        })
      ).json()) as { data: { kind: string; alerts: { rule: string; subject: string; url?: string }[] }[] }
      const link = sent.data
        .filter((n) => n.kind === 'firing')
        .flatMap((n) => n.alerts)
        .find((a) => a.rule === 'feature-drift' && a.subject === 'amount')?.url
      expect(link).toMatch(new RegExp(`^${base}/ui/alerts/[0-9a-f]{20}$`))
      await open(link!)
      expect(await page.$eval('.fired', (e) => e.getAttribute('data-window'))).toBe(injected)
      await page.waitForSelector(`.distribution .caption[data-window="${injected}"][data-feature="amount"]`)
      expect(await page.$$eval('[data-chart="alert"] svg', (s) => s.length)).toBe(1)
      await screenshot(page, 'console-alert')
      expect(problems).toEqual([])

      // Without a token: the login form, then back where the person was going.
      const context = await browser.createBrowserContext()
      const fresh = await context.newPage()
      await fresh.goto(`${base}/ui/models/churn-model`)
      await fresh.waitForSelector('input[name="token"]')
      expect(fresh.url()).toBe(`${base}/ui/login?next=${encodeURIComponent('/ui/models/churn-model')}`)
      await fresh.type('input[name="token"]', token)
      await Promise.all([fresh.waitForNavigation(), fresh.click('button[type="submit"]')])
      await fresh.waitForSelector('#app[data-ready="true"]', { timeout: 60_000 })
      expect(new URL(fresh.url()).pathname).toBe('/ui/models/churn-model')
      expect(await fresh.$eval('h1', (e) => e.textContent)).toBe('churn-model')
      await context.close()

      // Load times, a figure for the record (not a test): the first load in a fresh browser
      // context (nothing cached), and the model page.
      const times: Record<string, number[]> = { fleet: [], model: [] }
      for (let i = 0; i < 5; i++)
        for (const [name, url] of [
          ['fleet', consoleUrl],
          ['model', `${base}/ui/models/fraud-detector#token=${token}`],
        ] as const) {
          const ctx = await browser.createBrowserContext()
          const p = await ctx.newPage()
          const started = performance.now()
          await p.goto(url)
          await p.waitForSelector('#app[data-ready="true"]', { timeout: 60_000 })
          times[name]!.push(performance.now() - started)
          await ctx.close()
        }
      const p50 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
      const figures = {
        fleet_first_load_p50_ms: Math.round(p50(times.fleet!)),
        model_page_p50_ms: Math.round(p50(times.model!)),
      }
      mkdirSync(ARTIFACTS, { recursive: true })
      writeFileSync(
        join(ARTIFACTS, 'console-load.json'),
        `${JSON.stringify({ ...figures, times }, null, 2)}\n`,
      )
      process.stdout.write(`console load times (p50 of 5, fresh context): ${JSON.stringify(figures)}\n`)
    } finally {
      await browser.close()
    }
  }, 300_000)
})
