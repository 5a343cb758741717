import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { outcomeSample } from '@vigil/testing'

/**
 * The hand-worked window of `outcomeSample` as a user hands it to `vigil evaluate`: p.ndjson,
 * l.ndjson and a vigil.yaml naming the positive class and the sensitive attribute, in `dir`.
 */
export function writeOutcomeFiles(dir: string): ReturnType<typeof outcomeSample> {
  const sample = outcomeSample()
  const lines = (xs: object[]) => `${xs.map((x) => JSON.stringify(x)).join('\n')}\n`
  writeFileSync(join(dir, 'p.ndjson'), lines(sample.predictions))
  writeFileSync(join(dir, 'l.ndjson'), lines(sample.labels))
  writeFileSync(
    join(dir, 'vigil.yaml'),
    'models:\n  fraud:\n    positive_class: fraud\n    sensitive_attributes:\n      group: { reference_group: a }\n',
  )
  return sample
}
