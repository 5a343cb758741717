import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { writeOutcomeFiles } from './outcome-files.js'
import { finished, spawnVigil } from './processes.js'

// These fail before touching Kafka or ClickHouse: a person gets one clear line, never a crash.
describe('vigil CLI refuses bad input with a clear message', () => {
  const env = { ...process.env, LOG_LEVEL: 'warn', VIGIL_DATA_DIR: mkdtempSync(join(tmpdir(), 'vigil-cli-')) }

  it('stops the start on an invalid vigil.yaml with file, line and reason (exit 2)', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'vigil-cli-yaml-'))
    writeFileSync(
      join(cwd, 'vigil.yaml'),
      'kafka:\n  brokers: [127.0.0.1:9092]\nrecorder:\n  batch_max_rows: -5\n  colour: red\n',
    )
    const out = await finished(spawnVigil(['start'], env, cwd))
    expect(out.code).toBe(2)
    expect(out.stderr).toContain(`${join(cwd, 'vigil.yaml')}:4:3: recorder.batch_max_rows: Too small`)
    expect(out.stderr).toContain(`${join(cwd, 'vigil.yaml')}:5:3: recorder.colour: unknown setting (colour)`)
    expect(out.stderr).not.toMatch(/\n\s+at /) // no stack trace
  })

  it('names a wrong environment variable (exit 2)', async () => {
    const out = await finished(spawnVigil(['migrate'], { ...env, CLICKHOUSE_URL: 'nope' }))
    expect(out.code).toBe(2)
    expect(out.stderr).toMatch(/environment: CLICKHOUSE_URL: /)
  })

  it('refuses an unknown service (exit 2)', async () => {
    const out = await finished(spawnVigil(['start', 'recordr'], env))
    expect(out.code).toBe(2)
    expect(out.stderr).toContain('unknown service recordr; known: recorder')
  })

  it('refuses a replay file that does not exist (exit 2)', async () => {
    const out = await finished(spawnVigil(['replay', 'nope.ndjson', '--topic', 'predictions'], env))
    expect(out.code).toBe(2)
    expect(out.stderr).toContain('cannot read nope.ndjson')
  })

  it('prints help with examples for every command', async () => {
    const commands = [
      [],
      ['start'],
      ['migrate'],
      ['replay'],
      ['drift-check'],
      ['evaluate'],
      ['ingest'],
      ['ingest', 'decode'],
      ['rules'],
      ['rules', 'check'],
      ['config'],
      ['config', 'show'],
      ['baseline'],
      ['baseline', 'create'],
      ['sql'],
      ['alerts'],
      ['silence'],
      ['silence', 'add'],
      ['silence', 'list'],
      ['silence', 'expire'],
    ]
    const top = await finished(spawnVigil(['--help'], env))
    // Every command the top-level help lists is in the list above.
    const listed = [...top.stdout.matchAll(/^ {2}([a-z][a-z-]*)\b/gm)]
      .map((m) => m[1])
      .filter((c) => c !== 'help')
    expect(listed.sort()).toEqual(
      commands
        .filter((c) => c.length === 1)
        .map((c) => c[0])
        .sort(),
    )
    for (const c of commands) {
      const out = await finished(spawnVigil([...c, '--help'], env))
      expect(out.code, c.join(' ')).toBe(0)
      expect(out.stdout, c.join(' ')).toMatch(new RegExp(`Examples:\\n\\s+\\$ vigil ${c[0] ?? ''}`))
    }
  })

  it('shows the effective settings and where each came from, secrets only as set', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'vigil-cli-show-'))
    writeFileSync(
      join(cwd, 'vigil.yaml'),
      'kafka:\n  partitions: 6\nmodels:\n  "*":\n    drift: { p_value: 0.01, jensen_shannon: 0.2 }\n' +
        '  m1:\n    drift: { features: { amount: { p_value: 0.2 } } }\n',
    )
    const model = await finished(spawnVigil(['config', 'show', '--model', 'm1'], env, cwd))
    expect(model.code).toBe(0)
    expect(model.stdout).toMatch(/^drift\.p_value +0\.01 +\("\*"\)$/m)
    expect(model.stdout).toMatch(/^drift\.jensen_shannon +0\.2 +\("\*"\)$/m)
    expect(model.stdout).toMatch(/^drift\.small_sample +1000 +\(default\)$/m)
    expect(model.stdout).toMatch(/^drift\.features\.amount\.p_value +0\.2 +\(model\)$/m)
    const proc = await finished(
      spawnVigil(
        ['config', 'show', '--json'],
        { ...env, KAFKA_BROKERS: 'b:2', SLACK_TOKEN: 'xoxb-hidden' },
        cwd,
      ),
    )
    expect(proc.code).toBe(0)
    const rows = JSON.parse(proc.stdout) as { path: string; value: unknown; source: string }[]
    const at = (path: string) => rows.find((r) => r.path === path)
    expect(at('kafka.brokers')).toEqual({ path: 'kafka.brokers', value: ['b:2'], source: 'environment' })
    expect(at('kafka.partitions')?.source).toBe('file')
    expect(at('kafka.client_id')?.source).toBe('default')
    expect(at('alerting.slack.token (SLACK_TOKEN)')?.value).toBe('(set)')
    expect(proc.stdout).not.toContain('xoxb-hidden')
  })

  it('checks rules: the shipped examples pass, a broken rule is named with its line (exit 2)', async () => {
    const ok = await finished(spawnVigil(['rules', 'check', 'deploy/examples/vigil.yaml'], env))
    expect(ok.code, ok.stderr).toBe(0)
    expect(ok.stdout).toContain('deploy/examples/vigil.yaml: 7 rules, 2 webhooks, ok')
    const cwd = mkdtempSync(join(tmpdir(), 'vigil-cli-rules-'))
    writeFileSync(
      join(cwd, 'vigil.yaml'),
      'rules:\n  - name: r\n    model: m\n    metric: drift.psy\n    when: "> 0.2"\n    notify: ["webhook:nope"]\n',
    )
    const bad = await finished(spawnVigil(['rules', 'check', join(cwd, 'vigil.yaml')], env))
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain(`${join(cwd, 'vigil.yaml')}:4:5: rules[0].metric: family.metric, one of:`)
    expect(bad.stderr).toContain(
      `${join(cwd, 'vigil.yaml')}:6:14: rules[0].notify[0]: no webhook nope in alerting.webhooks`,
    )
  })

  it("decodes a serving request and response by the model's mapping; a misfit is named (exit 2)", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-cli-ingest-'))
    const fixtures = new URL('../../shared/ingest/fixtures/', import.meta.url)
    for (const f of ['oip-iris.request.json', 'oip-iris.response.json'])
      writeFileSync(join(dir, f), readFileSync(new URL(f, fixtures)))
    writeFileSync(
      join(dir, 'vigil.yaml'),
      [
        'models:',
        '  iris:',
        '    ingest:',
        '      format: oip-v2',
        '      columns: [sepal_length, sepal_width, petal_length, petal_width]',
        '      label: { output: predict }',
        '  wrong:',
        '    ingest: { format: oip-v2, columns: [a, b, c, d], label: { output: class } }',
        '',
      ].join('\n'),
    )
    const args = (model: string) => [
      'ingest',
      'decode',
      '-m',
      model,
      '--request',
      'oip-iris.request.json',
      '--response',
      'oip-iris.response.json',
      '--time',
      '2026-12-03T10:00:00Z',
      '-c',
      'vigil.yaml',
    ]
    const ok = await finished(spawnVigil(args('iris'), env, dir))
    expect(ok.code, ok.stderr).toBe(0)
    const events = ok.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { prediction_id: string })
    expect(events.map((e) => e.prediction_id)).toEqual(['42#0', '42#1']) // the body's id
    const bad = await finished(spawnVigil(args('wrong'), env, dir))
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/the response has no output "class" \(ingest\.label\)/)
  })

  it('evaluates prediction and label files as one window; a bad line is named (exit 2)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-cli-evaluate-'))
    const { labels } = writeOutcomeFiles(dir)
    const ok = await finished(
      spawnVigil(
        ['evaluate', '-p', 'p.ndjson', '-l', 'l.ndjson', '--config', 'vigil.yaml', '--json'],
        env,
        dir,
      ),
    )
    expect(ok.code, ok.stderr).toBe(0)
    const report = JSON.parse(ok.stdout) as {
      label_coverage: number
      performance: Record<string, number>
      fairness: { group: { groups: Record<string, Record<string, number>> } }
    }
    expect(report.label_coverage).toBe(0.75)
    expect(report.performance.accuracy).toBeCloseTo(4 / 6, 12)
    expect(report.performance.roc_auc).toBeCloseTo(8 / 9, 12)
    expect(report.fairness.group.groups.b!.disparate_impact).toBe(0.5)
    const text = await finished(
      spawnVigil(['evaluate', '-p', 'p.ndjson', '-l', 'l.ndjson', '-c', 'vigil.yaml'], env, dir),
    )
    expect(text.stdout).toMatch(/fairness: group \(reference group a\)/)

    writeFileSync(
      join(dir, 'bad.ndjson'),
      `${JSON.stringify(labels[0])}\n{"schema_version": 1, "model_id": "fraud"}\n`,
    )
    const bad = await finished(spawnVigil(['evaluate', '-p', 'p.ndjson', '-l', 'bad.ndjson'], env, dir))
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/^vigil: bad\.ndjson:2: not a valid label event: /)
    expect(bad.stderr).not.toMatch(/\n\s+at /)
  })
})
