import { confusionSpec, disparateImpactSpec, toSvg } from '@vigil/charts'
import type { Evaluation } from '@vigil/outcomes'
import { esc, htmlPage, num, table } from '../html/page.js'
import { FAIRNESS_COLUMNS as FAIRNESS } from './render.js'

/** `vigil evaluate --html`: coverage, every metric, the confusion matrix, fairness per attribute. */
export async function evaluationHtml(
  e: Evaluation,
  files: { predictions: string; labels: string },
  now = new Date(),
): Promise<string> {
  const metrics = Object.entries(e.performance).filter(
    (kv): kv is [string, number | null] => typeof kv[1] === 'number' || kv[1] === null,
  )
  const parts: string[] = [
    `<h1>Evaluation of ${esc(e.model_id)}</h1>`,
    `<p class="meta">${esc(e.model_versions.join(', '))} · ${esc(e.task)}${
      e.positive_class !== undefined ? ` · positive class <b>${esc(e.positive_class)}</b>` : ''
    } · predictions <b>${esc(files.predictions)}</b>, labels <b>${esc(files.labels)}</b> · ${esc(now.toISOString())}</p>`,
    `<p class="summary">${e.n_predictions} predictions, ${e.n_labelled} labelled (label coverage ${num(e.label_coverage, 3)}).</p>`,
    '<h2>Performance</h2>',
    table(
      ['metric', 'value'],
      metrics.map(([k, v]) => ({ cells: [esc(k), num(v, 6)] })),
    ),
  ]
  if ('confusion_matrix' in e.performance) {
    const { labels, matrix } = e.performance.confusion_matrix
    parts.push(`<div class="charts"><figure id="confusion">${await toSvg(confusionSpec(labels, matrix))}
<figcaption>rows: the true class; columns: the predicted one</figcaption></figure></div>`)
  }
  for (const [attribute, f] of Object.entries(e.fairness)) {
    const groups = Object.entries(f.groups)
    parts.push(
      `<h2>Fairness by ${esc(attribute)} <small>(reference group ${esc(f.reference_group)})</small></h2>`,
      table(
        ['group', ...FAIRNESS],
        groups.map(([g, m]) => ({
          mark: (m.disparate_impact ?? 1) < 0.8 ? 'drift' : undefined,
          cells: [esc(g), ...FAIRNESS.map((c) => num(m[c] as number | null | undefined))],
        })),
      ),
      `<p>Between groups: demographic parity difference ${num(f.summary.demographic_parity_difference)}, ratio ${num(
        f.summary.demographic_parity_ratio,
      )}, equalized odds difference ${num(f.summary.equalized_odds_difference)}.</p>`,
      `<div class="charts"><figure id="fairness-${esc(attribute)}">${await toSvg(
        disparateImpactSpec(
          attribute,
          groups.map(([group, m]) => ({ group, disparate_impact: m.disparate_impact ?? null })),
        ),
      )}<figcaption>the dashed line is the four-fifths rule (0.8)</figcaption></figure></div>`,
    )
  }
  if (e.notes.length)
    parts.push('<h2>Notes</h2>', `<ul>${e.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>`)
  return htmlPage(`Evaluation of ${e.model_id}`, parts.join('\n'))
}
