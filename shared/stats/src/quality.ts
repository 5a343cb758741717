/**
 * Data quality of one feature in one window (docs/metrics.md). The optional ones need a
 * reference of the feature's type: a range for numbers, categories for strings.
 */
export type FeatureQuality = {
  /** Values present and of the feature's type. */
  count: number
  /** (events − count − type_mismatches) / events. */
  missing_rate: number
  /** Values of the other type (a string in a numerical feature, a number in a categorical one). */
  type_mismatches: number
  /** Share of values outside the reference's [min, max]. */
  out_of_range_share?: number
  /** Categories the reference never saw. */
  new_categories?: number
  /** Share of values in categories the reference never saw. */
  new_category_share?: number
}

/** Model-level quality of a window (published under the feature name `__model__`). */
export type ModelQuality = {
  count: number
  /** Events whose window had closed: counted, not applied. */
  late_events: number
}
