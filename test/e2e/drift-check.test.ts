import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { finished, spawnVigil } from './processes.js'

const dir = mkdtempSync(join(tmpdir(), 'vigil-drift-check-'))
const fixtures = JSON.parse(
  readFileSync(new URL('../../shared/stats/fixtures/drift-cases.json', import.meta.url), 'utf8'),
) as { cases: { name: string; reference: number[]; current: number[]; expected: Record<string, number> }[] }

function csv(name: string, column: string, values: readonly (number | string)[]): string {
  const file = join(dir, name)
  writeFileSync(file, `${column}\n${values.join('\n')}\n`)
  return file
}

describe('vigil drift-check', () => {
  it('prints, as JSON, the same statistics SciPy computes for the same CSV columns', async () => {
    const c = fixtures.cases.find((x) => x.name.startsWith('normal, mean shift'))!
    const out = await finished(
      spawnVigil(
        [
          'drift-check',
          '--reference',
          csv('ref.csv', 'x', c.reference),
          '--current',
          csv('cur.csv', 'x', c.current),
          '--json',
        ],
        process.env,
      ),
    )
    expect(out.code, out.stderr).toBe(0)
    const report = JSON.parse(out.stdout) as {
      features: Record<string, Record<string, number>>
      drift_share: number
    }
    for (const [metric, want] of Object.entries(c.expected))
      expect(report.features.x![metric]).toBeCloseTo(want, 6)
    expect(report.features.x).toMatchObject({ type: 'numerical', drifted: true })
    expect(report.drift_share).toBe(1)
  })

  it('reads NDJSON prediction events and infers categorical columns', async () => {
    const ref = join(dir, 'ref.ndjson')
    const cur = join(dir, 'cur.ndjson')
    writeFileSync(
      ref,
      ['{"plan":"basic","n":1}', '{"plan":"pro","n":2}', '{"plan":"basic","n":null}'].join('\n'),
    )
    writeFileSync(cur, `${JSON.stringify({ schema_version: 1, features: { plan: 'pro', n: 3 } })}\n`)
    const out = await finished(spawnVigil(['drift-check', '-r', ref, '-k', cur], process.env))
    expect(out.code, out.stderr).toBe(0)
    expect(out.stdout).toMatch(/plan\s+categorical\s+3\/1/)
    expect(out.stdout).toMatch(/n\s+numerical\s+2\/1/)
  })

  it('says which file and line is wrong, with exit code 2', async () => {
    const bad = join(dir, 'bad.csv')
    writeFileSync(bad, 'a,b\n1,2\n3,4,5\n')
    const out = await finished(spawnVigil(['drift-check', '-r', bad, '-k', bad], process.env))
    expect(out.code).toBe(2)
    expect(out.stderr).toContain(`${bad}:3: Invalid Record Length: expect 2, got 3`)
  })
})
