import type { Reference } from '@vigil/drift'
import { categoricalProfile, numericalProfile } from '@vigil/stats'
import type { ColumnType } from './compare.js'
import { InputFileError, type Table } from './table.js'

/**
 * A baseline from a file of feature values: one profile per column, typed as drift-check types
 * them (numbers → numerical, else categorical, unless `types` says which).
 */
export function profileTable(
  table: Table,
  version: string,
  types: ReadonlyMap<string, ColumnType> = new Map(),
): Reference {
  const features: Reference['features'] = {}
  for (const [name, c] of table.columns) {
    const type = types.get(name) ?? (c.texts.length === 0 ? 'numerical' : 'categorical')
    if (type === 'numerical') {
      if (c.texts.length > 0) {
        throw new InputFileError(
          table.file,
          c.firstTextLine,
          `column "${name}" is numerical but has the value ${JSON.stringify(c.firstText)}`,
        )
      }
      features[name] = numericalProfile(c.numbers, c.missing)
    } else {
      features[name] = categoricalProfile([...c.texts, ...c.numbers.map(String)], c.missing)
    }
  }
  return { name: `baseline:${version}`, kind: 'baseline', features }
}
