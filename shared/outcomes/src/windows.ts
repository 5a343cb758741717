import { windowKeyOf } from '@vigil/clickhouse'
import type { MetricsMessage } from '@vigil/events'

/** One window of one model version: an interval of prediction time. */
export interface ModelWindow {
  modelId: string
  modelVersion: string
  start: number
  end: number
}

/** A window's identity as a map key: model, version and start; the key the windowed queries return. */
export const windowKey = (w: ModelWindow) => windowKeyOf(w.modelId, w.modelVersion, w.start)

/** The tumbling windows some events fall in, each once, in time order; sizes per model. */
export function touchedWindows(
  events: readonly { modelId: string; modelVersion: string; time: number }[],
  windowMs: (modelId: string) => number,
): ModelWindow[] {
  const out = new Map<string, ModelWindow>()
  const sizes = new Map<string, number>() // one settings lookup per model, not per event
  for (const e of events) {
    let size = sizes.get(e.modelId)
    if (size === undefined) {
      size = windowMs(e.modelId)
      sizes.set(e.modelId, size)
    }
    const start = Math.floor(e.time / size) * size
    const w = { modelId: e.modelId, modelVersion: e.modelVersion, start, end: start + size }
    out.set(windowKey(w), w)
  }
  return [...out.values()].sort((a, b) => a.start - b.start || a.modelId.localeCompare(b.modelId))
}

/**
 * Labelled predictions over predictions, never above 1 (labels can be joined from memory before
 * the recorder stored their predictions); null for a window without either.
 */
export function labelCoverage(predictions: number, labelled: number): number | null {
  const n = Math.max(predictions, labelled)
  return n === 0 ? null : labelled / n
}

/** The fields every `vigil.metrics` message of a window carries, and its coverage when known. */
export function windowMessage(
  family: 'performance' | 'fairness',
  w: ModelWindow,
  counts: { version: number; n: number; labelCoverage: number | null },
): Pick<
  MetricsMessage,
  | 'schema_version'
  | 'family'
  | 'model_id'
  | 'model_version'
  | 'window_start'
  | 'window_end'
  | 'version'
  | 'n'
  | 'features'
  | 'label_coverage'
> {
  return {
    schema_version: 1,
    family,
    model_id: w.modelId,
    model_version: w.modelVersion,
    window_start: new Date(w.start).toISOString(),
    window_end: new Date(w.end).toISOString(),
    version: counts.version,
    n: counts.n,
    features: {},
    ...(counts.labelCoverage !== null ? { label_coverage: counts.labelCoverage } : {}),
  }
}
