import { Resvg } from '@resvg/resvg-js'
import { parse, View } from 'vega'
import { compile, type TopLevelSpec } from 'vega-lite'

/**
 * A Vega-Lite spec as an SVG document, rendered in the process (no browser, no canvas: text
 * widths are Vega's estimates). Everything a chart needs is in the spec's inline data, so the
 * SVG can go into a file that opens without a network.
 */
export async function toSvg(spec: TopLevelSpec): Promise<string> {
  const view = new View(parse(compile(spec).spec), { renderer: 'none' })
  try {
    return await view.toSVG()
  } finally {
    view.finalize()
  }
}

/** An SVG as a PNG `width` pixels wide (alert images: Slack, email and PagerDuty show PNG, not SVG). */
export function toPng(svg: string, width = 1280): Buffer {
  return new Resvg(svg, { fitTo: { mode: 'width', value: width }, font: { loadSystemFonts: true } })
    .render()
    .asPng()
}
