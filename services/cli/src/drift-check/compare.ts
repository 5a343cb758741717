import { type Column, type ColumnType, InputFileError, type Table } from '@vigil/baselines'
import {
  categoricalDrift,
  DEFAULT_THRESHOLDS,
  type DriftThresholds,
  driftShare,
  type FeatureDrift,
  numericalDrift,
} from '@vigil/stats'

export type { ColumnType }

export interface DriftReport {
  features: Record<string, FeatureDrift>
  drift_share: number
}

const EMPTY: Column = { numbers: [], texts: [], missing: 0 }

/**
 * Compares every column of two tables. A column is numerical when all its values in both files
 * are numbers, else categorical, unless `types` says which. A number in a categorical column
 * counts as its text; text in a column declared numerical is an error naming the line.
 */
export function compareTables(
  reference: Table,
  current: Table,
  types: ReadonlyMap<string, ColumnType> = new Map(),
  thresholds: DriftThresholds = DEFAULT_THRESHOLDS,
): DriftReport {
  for (const name of types.keys()) {
    if (!reference.columns.has(name) && !current.columns.has(name)) {
      throw new InputFileError(
        reference.file,
        undefined,
        `--type names column "${name}", which neither file has`,
      )
    }
  }
  const names = [...new Set([...reference.columns.keys(), ...current.columns.keys()])]
  const features: Record<string, FeatureDrift> = {}
  for (const name of names) {
    const ref = reference.columns.get(name) ?? EMPTY
    const cur = current.columns.get(name) ?? EMPTY
    const declared = types.get(name)
    const type: ColumnType =
      declared ?? (ref.texts.length === 0 && cur.texts.length === 0 ? 'numerical' : 'categorical')
    if (type === 'numerical') {
      for (const [table, c] of [
        [reference, ref],
        [current, cur],
      ] as const) {
        if (c.texts.length > 0) {
          throw new InputFileError(
            table.file,
            c.firstTextLine,
            `column "${name}" is numerical but has the value ${JSON.stringify(c.firstText)}`,
          )
        }
      }
      features[name] = numericalDrift(ref.numbers, cur.numbers, thresholds)
    } else {
      features[name] = categoricalDrift(asText(ref), asText(cur), thresholds)
    }
  }
  return { features, drift_share: driftShare(Object.values(features)) }
}

function asText(c: Column): string[] {
  return c.numbers.length === 0 ? c.texts : [...c.texts, ...c.numbers.map(String)]
}

/** The report as an aligned table for a person. */
export function renderReport(report: DriftReport): string {
  const rows = Object.entries(report.features).map(([name, f]) => {
    const fmt = (v: number | null | undefined) => (v === null || v === undefined ? '-' : v.toPrecision(4))
    const decisive = f.drift_test === 'none' ? null : (f as unknown as Record<string, number>)[f.drift_test]
    return [
      name,
      f.type,
      `${f.n_reference}/${f.n_current}`,
      f.drifted ? 'DRIFT' : f.drift_test === 'none' ? 'no data' : 'ok',
      f.drift_test === 'none' ? '-' : `${f.drift_test}=${fmt(decisive)}`,
      fmt(f.psi),
      fmt(f.jensen_shannon),
      f.type === 'numerical' ? fmt(f.ks_p_value) : fmt(f.chi2_p_value),
    ]
  })
  const head = ['feature', 'type', 'n ref/cur', 'status', 'decided by', 'psi', 'js', 'p-value']
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd()
  const drifted = Object.values(report.features).filter((f) => f.drifted).length
  return [
    line(head),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    '',
    `${drifted} of ${rows.length} features drifted (drift_share ${report.drift_share.toFixed(3)}).`,
  ].join('\n')
}
