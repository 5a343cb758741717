import { execFileSync } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import puppeteer, { type Browser, type Page } from 'puppeteer-core'

import { ARTIFACTS } from './names.js'

export { ARTIFACTS }

const root = fileURLToPath(new URL('../../..', import.meta.url))

/**
 * Debian's Chromium, installed by deploy/local/chromium.sh on first use, driven headless by
 * puppeteer-core (which downloads no browser). As root Chromium needs --no-sandbox.
 */
export async function launchBrowser(): Promise<Browser> {
  const executablePath = execFileSync('bash', [join(root, 'deploy/local/chromium.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim()
  return puppeteer.launch({
    executablePath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  })
}

/**
 * A page that records what a person would see go wrong: console errors and failed requests; with
 * `offline`, any request beyond the file itself (a self-contained report needs none).
 */
export async function watchedPage(
  browser: Browser,
  options: { offline?: boolean } = {},
): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage()
  const problems: string[] = []
  if (options.offline)
    page.on('request', (r) => {
      if (!/^(file|data|about):/.test(r.url())) problems.push(`network: ${r.url()}`)
    })
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`)
  })
  page.on('pageerror', (e) => problems.push(`page error: ${(e as Error).message}`))
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`))
  return { page, problems }
}

/** Saves a full-page screenshot under test-artifacts/, returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true })
  const path = join(ARTIFACTS, `${name}.png`)
  await page.screenshot({ path, fullPage: true })
  return path
}

/** A bar of a distribution chart (@vigil/charts distributionSpec) as Vega labels it for screen readers. */
export interface DistributionBar {
  bin: string
  share: number
  side: string
}

/** The bars of the distribution chart inside `container`: "<axis>: <bin>; share of sample: 12%; side: current". */
export async function distributionBars(page: Page, container: string): Promise<DistributionBar[]> {
  const labels = await page.$$eval(`${container} [role="graphics-symbol"]`, (marks) =>
    marks.map((m) => m.getAttribute('aria-label') ?? ''),
  )
  return labels
    .map((l) => /: (.+); share of sample: ([\d.]+)%; side: (\w+)$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ bin: m[1]!, share: Number(m[2]) / 100, side: m[3]! }))
}

/** The largest difference of a bin's share between the reference and the current side. */
export function largestShareGap(bars: readonly DistributionBar[]): number {
  const by = (side: string) => new Map(bars.filter((b) => b.side === side).map((b) => [b.bin, b.share]))
  const [ref, cur] = [by('reference'), by('current')]
  return Math.max(
    ...[...new Set([...ref.keys(), ...cur.keys()])].map((k) =>
      Math.abs((ref.get(k) ?? 0) - (cur.get(k) ?? 0)),
    ),
  )
}
