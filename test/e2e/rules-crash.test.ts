import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  createTestTopics,
  freePort,
  makeDriftMetrics as metrics,
  publish,
  slackStandIn,
  smtpStandIn,
  testConfig,
  testKafka,
  waitFor,
  webhookReceiver,
} from '@vigil/testing'
import { describe, expect, it } from 'vitest'
import { envFor, finished, spawnVigil } from './processes.js'

const SECRET = 'crash-test-secret'

describe('rules service killed with SIGKILL between the state change and the delivery', () => {
  it('delivers each notification exactly once to each channel after the restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'vigil-rules-crash-'))
    // The receivers are down while the first process runs: it changes state and fills the outbox.
    const slackPort = await freePort()
    const hookPort = await freePort()
    const smtp = await smtpStandIn()
    await smtp.reservePort()
    const yaml = join(dataDir, 'vigil.yaml')
    writeFileSync(
      yaml,
      `alerting:
  retry: { max_attempts: 100, initial_backoff: 200ms, max_backoff: 500ms }
  allow_private: [127.0.0.1]
  webhooks:
    hook: { url: "http://127.0.0.1:${hookPort}/notify", secret_env: HOOK_SECRET }
    retrain: { url: "http://127.0.0.1:${hookPort}/retrain", kind: retrain, secret_env: HOOK_SECRET }
rules:
  - name: psi
    model: "*"
    metric: drift.psi
    when: "> 0.2"
    notify: ["slack:#ml", "email:oncall@example.com", "webhook:hook"]
    retrain: retrain
`,
    )
    const secrets = {
      VIGIL_CONFIG: yaml,
      SLACK_TOKEN: 'xoxb-crash',
      SLACK_API_URL: `http://127.0.0.1:${slackPort}/api/`,
      SMTP_URL: smtp.url(),
      HOOK_SECRET: SECRET,
    }
    const config = testConfig({ name: 'rcrash', dataDir, env: secrets })
    await createTestTopics(config)
    await publish(testKafka(config), config.kafka.topics.metrics, [
      metrics(0, { amount: 0.5, age: 0.4 }),
      metrics(1, { amount: 0.1, age: 0.1 }),
    ])
    const env = envFor(config, secrets)

    const first = spawnVigil(['start', 'rules'], env)
    let log = ''
    for (const stream of [first.stdout, first.stderr])
      stream?.on('data', (d: Buffer) => {
        log += d.toString()
      })
    const firstExit = finished(first)
    const failing = (channel: string) => log.includes(`"channel":"${channel}"`)
    expect(
      await waitFor(async () => failing('slack') && failing('email') && failing('webhook'), 60_000),
      log,
    ).toBe(true)
    first.kill('SIGKILL')
    expect((await firstExit).signal).toBe('SIGKILL')

    const slack = await slackStandIn(slackPort)
    const hooks = await webhookReceiver(SECRET, hookPort)
    await smtp.start()
    const second = spawnVigil(['start', 'rules'], env)
    const secondExit = finished(second)
    try {
      const all = async () =>
        slack.posts.length >= 2 && smtp.mails.length >= 2 && hooks.deliveries.length >= 3
      expect(await waitFor(all, 60_000)).toBe(true)
      await new Promise((r) => setTimeout(r, 2000)) // and nothing more
      expect(slack.posts.map((p) => p.text.split(':')[0])).toEqual([
        '[WARNING] fraud v1',
        '[RESOLVED] fraud v1',
      ])
      expect(slack.posts[1]!.threadTs).toBe(slack.posts[0]!.ts)
      expect(smtp.mails).toHaveLength(2)
      expect(hooks.deliveries.map((d) => d.body.kind).sort()).toEqual(['firing', 'resolved', 'retrain'])
      expect(hooks.deliveries.every((d) => d.valid)).toBe(true)
      expect(hooks.deliveries.map((d) => d.contractProblem).filter(Boolean)).toEqual([])
      for (const keys of [
        slack.posts.map((p) => p.key),
        smtp.mails.map((m) => m.key),
        hooks.deliveries.map((d) => d.key),
      ])
        expect(new Set(keys).size).toBe(keys.length)
    } finally {
      second.kill('SIGTERM')
      const out = await secondExit
      await slack.close()
      await hooks.close()
      await smtp.stop()
      expect([out.code, out.signal], out.stderr + out.stdout.slice(-2000)).toEqual([0, null])
    }
  })
})
