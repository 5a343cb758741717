// The chart specs alone, without the server-side renderer: what a browser bundle imports.
export {
  type AlertChart,
  type AlertSeries,
  alertSpec,
  alertTitle,
  type EpisodeChartData,
  episodeSpec,
  thresholdsOf,
} from './alert.js'
export {
  binLabels,
  categoryDistribution,
  type Distribution,
  distributionRows,
  distributionSpec,
} from './distribution.js'
export { confusionSpec, disparateImpactSpec } from './evaluation.js'
export {
  type AlertEvent,
  alertHistorySpec,
  type FairnessPoint,
  fairnessSpec,
  type HeatmapCell,
  heatmapSpec,
  type PerformancePoint,
  performanceSpec,
} from './model.js'
