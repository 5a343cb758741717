import { spawn } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { finished, repoRoot, tsxLoader } from './processes.js'

// `npm run demo` is the first thing a newcomer runs: it must keep showing what it promises.
describe('npm run demo', () => {
  it('finds the injected drift, concept shift and bias where they were injected, and delivers each alert once', async () => {
    const script = fileURLToPath(new URL('../demo/run.ts', import.meta.url))
    const child = spawn(
      process.execPath,
      ['--conditions=@vigil/source', '--import', tsxLoader, script, '--short'],
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
    const out = await finished(child)
    expect(out.code, out.stderr).toBe(0)
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
})
