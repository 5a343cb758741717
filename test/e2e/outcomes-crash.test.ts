import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { modelConfig } from '@vigil/config'
import type { OutcomeEvent } from '@vigil/events'
import { evaluateModel, joinOutcomes } from '@vigil/outcomes'
import {
  createTestTopics,
  latestWindows,
  makeLabel,
  makePrediction,
  publish,
  readTopic,
  testConfig,
  testKafka,
  waitFor,
} from '@vigil/testing'
import { describe, expect, it } from 'vitest'
import { envFor, finished, spawnVigil } from './processes.js'

const N = 3000 // predictions: 3 models, 100 ms apart, 1-minute windows → 5 windows each
const LABELLED = Array.from({ length: N }, (_, i) => i).filter((i) => i % 4 !== 3)

describe('joiner and performance killed with SIGKILL mid-stream', () => {
  it('publish, after a restart, the windows an uninterrupted run would, each outcome counted once', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'vigil-outcomes-crash-'))
    const yaml = join(dataDir, 'vigil.yaml')
    writeFileSync(
      yaml,
      'models:\n  "*":\n    window: 1m\n    positive_class: fraud\njoiner:\n  retry_interval: 500ms\nperformance:\n  republish_interval: 1s\n',
    )
    const config = testConfig({ name: 'ocrash', dataDir, env: { VIGIL_CONFIG: yaml } })
    await createTestTopics(config)
    const kafka = testKafka(config)
    const { topics } = config.kafka
    const predictions = Array.from({ length: N }, (_, i) => makePrediction(i))
    await publish(kafka, topics.predictions, predictions)
    // Labels in ten chunks; one label of each chunk is sent twice with another value.
    const chunks = Array.from({ length: 10 }, (_, c) => {
      const mine = LABELLED.filter((_, k) => k % 10 === c).map((i) => makeLabel(i))
      return [...mine, { ...mine[0]!, label: mine[0]!.label === 'ok' ? 'fraud' : 'ok' }]
    })
    const env = envFor(config, { VIGIL_CONFIG: yaml })
    const services = ['start', 'recorder', 'joiner', 'performance']

    const first = spawnVigil(services, env)
    const firstExit = finished(first)
    const outcomesSoFar = async () => (await readTopic(kafka, topics.outcomes, 1, 1_000)).length
    for (const chunk of chunks.slice(0, 4)) await publish(kafka, topics.labels, chunk)
    // Kill it while it is joining: some outcomes out, not all.
    expect(await waitFor(async () => (await outcomesSoFar()) > 0, 60_000)).toBe(true)
    first.kill('SIGKILL')
    expect((await firstExit).signal).toBe('SIGKILL')
    for (const chunk of chunks.slice(4)) await publish(kafka, topics.labels, chunk)

    const second = spawnVigil(services, env)
    const secondExit = finished(second)
    try {
      const latest = () => latestWindows(kafka, topics.metrics)
      const labelled = async () => [...(await latest()).values()].reduce((s, m) => s + m.version, 0)
      expect(await waitFor(async () => (await labelled()) === LABELLED.length, 120_000)).toBe(true)
      await new Promise((r) => setTimeout(r, 2000)) // and nothing more
      expect(await labelled()).toBe(LABELLED.length)

      // Every window equals vigil evaluate's code on the events (the first label of each counts).
      const labels = chunks.flat()
      const windows = await latest()
      expect(windows.size).toBe(15)
      for (const m of windows.values()) {
        const start = Date.parse(m.window_start)
        const mine = predictions.filter(
          (p) =>
            p.model_id === m.model_id &&
            Date.parse(p.timestamp) >= start &&
            Date.parse(p.timestamp) < start + 60_000,
        )
        const expected = evaluateModel(
          m.model_id,
          mine,
          joinOutcomes(mine, labels).outcomes,
          modelConfig(config, m.model_id),
        )
        for (const [metric, value] of Object.entries(expected.performance))
          if (typeof value === 'number')
            expect(
              m.performance![metric === 'n' ? 'n_labelled' : metric],
              `${m.model_id} ${m.window_start} ${metric}`,
            ).toBeCloseTo(value, 12)
      }
      // Outcomes on the topic are at least once (docs/architecture.md); each prediction's is the same.
      const published = (await readTopic(kafka, topics.outcomes, LABELLED.length, 5_000)).map(
        (m) => JSON.parse(m.value.toString()) as OutcomeEvent,
      )
      const byId = new Map<string, string>()
      for (const o of published) {
        const seen = byId.get(o.prediction_id)
        if (seen !== undefined) expect(JSON.stringify(o)).toBe(seen)
        byId.set(o.prediction_id, JSON.stringify(o))
      }
      expect(byId.size).toBe(LABELLED.length)
    } finally {
      second.kill('SIGTERM')
      const out = await secondExit
      expect([out.code, out.signal], out.stderr.slice(-3000)).toEqual([0, null])
    }
  })
})
