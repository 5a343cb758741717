import type { TopLevelSpec } from 'vega-lite'

/** Draws a Vega-Lite spec into the element (SVG, so text stays text); the view, for its events. */
export async function draw(el: HTMLElement, spec: TopLevelSpec): Promise<import('vega').View> {
  const compiled = vegaLite.compile(spec).spec
  const view = new vega.View(vega.parse(compiled), { renderer: 'svg', container: el, hover: true })
  await view.runAsync()
  return view
}
