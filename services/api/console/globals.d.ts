import type * as Vega from 'vega'
import type * as VegaLite from 'vega-lite'

// Vega and Vega-Lite load as the page's first scripts (their own builds, not bundled): globals.
declare global {
  const vega: typeof Vega
  const vegaLite: typeof VegaLite
}
