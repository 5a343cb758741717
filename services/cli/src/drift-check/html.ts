import { basename } from 'node:path'
import { distributionSpec, toSvg } from '@vigil/charts'
import { esc, htmlPage, num, table } from '../html/page.js'
import type { DriftReport } from './report.js'

/** `vigil drift-check --html`: the metric table, then per feature its two samples side by side. */
export async function driftReportHtml(
  report: DriftReport,
  files: { reference: string; current: string },
  now = new Date(),
): Promise<string> {
  const features = Object.entries(report.features)
  const drifted = features.filter(([, f]) => f.drifted)
  const status = (f: (typeof features)[number][1]) =>
    f.drifted
      ? '<span class="badge drift">DRIFT</span>'
      : f.drift_test === 'none'
        ? '<span class="badge none">no data</span>'
        : '<span class="badge ok">ok</span>'
  const rows = features.map(([name, f]) => {
    const decisive =
      f.drift_test === 'none' ? null : (f as unknown as Record<string, number | null>)[f.drift_test]
    return {
      mark: f.drifted ? 'drift' : undefined,
      cells: [
        `<a href="#f-${esc(name)}">${esc(name)}</a>`,
        esc(f.type),
        `${f.n_reference} / ${f.n_current}`,
        status(f),
        f.drift_test === 'none' ? '–' : `${esc(f.drift_test)} = ${num(decisive)}`,
        num(f.psi),
        num(f.jensen_shannon),
        num(f.type === 'numerical' ? f.ks_p_value : f.chi2_p_value),
        f.type === 'numerical' ? num(f.wasserstein_norm) : num(f.new_category_share),
      ],
    }
  })
  const charts: string[] = []
  // Drifted features first: they are what the reader came for.
  for (const [name, f] of [...drifted, ...features.filter(([, x]) => !x.drifted)]) {
    const d = report.distributions[name]
    if (!d) continue
    const svg = await toSvg(distributionSpec(d, name))
    charts.push(
      `<figure id="f-${esc(name)}">${svg}<figcaption>${esc(name)}: ${status(f)} ${
        f.type === 'numerical'
          ? 'share of each sample between the reference deciles (the bins PSI compares)'
          : 'share of each sample per category'
      }</figcaption></figure>`,
    )
  }
  const body = `<h1>Drift report</h1>
<p class="meta">reference <b>${esc(basename(files.reference))}</b> · current <b>${esc(basename(files.current))}</b> · ${esc(now.toISOString())}</p>
<p class="summary"><b>${drifted.length} of ${features.length}</b> features drifted (drift share ${num(report.drift_share, 3)})${
    drifted.length ? `: ${drifted.map(([n]) => esc(n)).join(', ')}` : ''
  }.</p>
${table(['feature', 'type', 'n ref / cur', 'status', 'decided by', 'psi', 'jensen-shannon', 'p-value', 'wasserstein norm / new categories'], rows)}
<h2>Reference and current, per feature</h2>
<div class="charts">
${charts.join('\n')}
</div>`
  return htmlPage(`Drift report: ${basename(files.current)} against ${basename(files.reference)}`, body)
}
