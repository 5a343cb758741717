import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { checkChannels, RefusedAddressError, resolveAllowed } from './channels.js'
import { loadVigilConfig } from './vigil.js'

describe('address policy', () => {
  const refused = async (url: string, allowPrivate: string[] = []) => {
    try {
      await resolveAllowed(new URL(url), { allowPrivate })
      return false
    } catch (err) {
      if (err instanceof RefusedAddressError) return true
      throw err
    }
  }

  it('refuses loopback, private, link-local, CGNAT and mapped addresses in any spelling', async () => {
    for (const url of [
      'http://127.0.0.1/x',
      'http://127.1/x',
      'http://2130706433/x',
      'http://0x7f000001/x',
      'http://10.0.0.5/x',
      'http://172.16.3.4/x',
      'http://192.168.1.1/x',
      'http://169.254.169.254/latest/meta-data',
      'http://100.64.0.1/x',
      'http://0.0.0.0/x',
      'http://[::1]/x',
      'http://[::ffff:127.0.0.1]/x',
      'http://[fd00::1]/x',
      'http://[fe80::1]/x',
      'http://localhost/x',
    ])
      expect(await refused(url), url).toBe(true)
  })

  it('lets public addresses through, and private ones that are allow-listed', async () => {
    expect(await refused('https://93.184.215.14/hook')).toBe(false)
    expect(await refused('http://127.0.0.1:8080/hook', ['127.0.0.1'])).toBe(false)
    expect(await refused('http://10.1.2.3/hook', ['10.1.0.0/16'])).toBe(false)
    expect(await refused('http://10.2.2.3/hook', ['10.1.0.0/16'])).toBe(true)
  })
})

describe('checkChannels', () => {
  it('refuses to start with a webhook to 127.0.0.1 that is not allow-listed, a missing secret or token', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-check-'))
    writeFileSync(
      join(dir, 'vigil.yaml'),
      `alerting:
  webhooks:
    local: { url: "http://127.0.0.1:8080/hook", secret_env: LOCAL_SECRET }
rules:
  - { name: r, model: "*", metric: drift.drift_share, when: "> 0.5", notify: ["webhook:local", "slack:#ml"] }
`,
    )
    const config = loadVigilConfig({ env: {}, cwd: dir })
    const problems = (await checkChannels(config)).map((p) => `${p.path}: ${p.reason}`)
    expect(problems).toEqual([
      'SLACK_TOKEN: a rule notifies Slack, but SLACK_TOKEN is not set',
      'LOCAL_SECRET: the signing secret of webhook local is not set',
      expect.stringMatching(
        /^alerting\.webhooks\.local\.url: refused http:\/\/127\.0\.0\.1:8080\/hook: it resolves to 127\.0\.0\.1/,
      ),
    ])
  })

  it("names PagerDuty's routing key when a rule pages and it is not set; a page without alerting.pagerduty is refused at load", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-check-pd-'))
    const rule =
      '  - { name: r, model: "*", metric: drift.drift_share, when: "> 0.5", notify: [pagerduty] }\n'
    writeFileSync(
      join(dir, 'vigil.yaml'),
      `alerting:\n  pagerduty: { routing_key_env: PD_KEY }\nrules:\n${rule}`,
    )
    const config = loadVigilConfig({ env: {}, cwd: dir })
    expect(config.alerting.pagerduty?.url).toBe('https://events.pagerduty.com/v2/enqueue')
    expect((await checkChannels(config)).map((p) => `${p.path}: ${p.reason}`)).toEqual([
      "PD_KEY: a rule notifies PagerDuty, but the integration's routing key is not set",
    ])
    expect(loadVigilConfig({ env: { PD_KEY: 'k' }, cwd: dir }).alerting.pagerduty?.routing_key).toBe('k')
    const bare = mkdtempSync(join(tmpdir(), 'vigil-check-pd-'))
    writeFileSync(join(bare, 'vigil.yaml'), `rules:\n${rule}`)
    expect(() => loadVigilConfig({ env: {}, cwd: bare })).toThrow(/alerting\.pagerduty is not set/)
  })
})
