import type { TopLevelSpec } from 'vega-lite'

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json'

/** A confusion matrix as a heatmap: rows the true class, columns the predicted one, counts written in. */
export function confusionSpec(
  labels: readonly string[],
  matrix: readonly (readonly number[])[],
): TopLevelSpec {
  const values = labels.flatMap((t, i) =>
    labels.map((p, j) => ({ truth: t, predicted: p, n: matrix[i]?.[j] ?? 0 })),
  )
  const size = Math.min(420, 60 * labels.length + 40)
  return {
    $schema: SCHEMA,
    title: { text: 'confusion matrix', anchor: 'start', fontSize: 13 },
    width: size,
    height: size,
    background: 'white',
    data: { values },
    encoding: {
      x: { field: 'predicted', type: 'ordinal', sort: [...labels], title: 'predicted' },
      y: { field: 'truth', type: 'ordinal', sort: [...labels], title: 'true class' },
    },
    layer: [
      {
        mark: 'rect',
        encoding: { color: { field: 'n', type: 'quantitative', scale: { scheme: 'blues' }, legend: null } },
      },
      {
        mark: { type: 'text', fontSize: 12 },
        encoding: {
          text: { field: 'n', type: 'quantitative' },
          // Light text on the dark cells, so every count stays readable.
          color: {
            condition: { test: `datum.n > ${Math.max(...values.map((v) => v.n)) / 2}`, value: 'white' },
            value: 'black',
          },
        },
      },
    ],
  }
}

/**
 * Disparate impact per group of an attribute, with the four-fifths band: a group whose selection
 * rate is under 0.8 of the reference group's is marked.
 */
export function disparateImpactSpec(
  attribute: string,
  groups: readonly { group: string; disparate_impact: number | null }[],
): TopLevelSpec {
  const values = groups
    .filter((g) => g.disparate_impact !== null)
    .map((g) => ({ ...g, below: (g.disparate_impact ?? 1) < 0.8 ? 'below 0.8' : 'within' }))
  return {
    $schema: SCHEMA,
    title: { text: `disparate impact by ${attribute}`, anchor: 'start', fontSize: 13 },
    width: 420,
    height: Math.max(60, 28 * values.length),
    background: 'white',
    data: { values },
    layer: [
      {
        mark: 'bar',
        encoding: {
          y: { field: 'group', type: 'nominal', title: attribute },
          x: { field: 'disparate_impact', type: 'quantitative', title: "selection rate / reference group's" },
          color: {
            field: 'below',
            type: 'nominal',
            scale: { domain: ['within', 'below 0.8'], range: ['#3e7bfa', '#d9480f'] },
            legend: { orient: 'top', title: null },
          },
        },
      },
      {
        data: { values: [{ x: 0.8 }] },
        mark: { type: 'rule', strokeDash: [4, 3] },
        encoding: { x: { field: 'x', type: 'quantitative' } },
      },
    ],
  }
}
