export { type AlertChart, type AlertSeries, alertSpec } from './alert.js'
export {
  binLabels,
  categoryDistribution,
  type Distribution,
  distributionRows,
  distributionSpec,
} from './distribution.js'
export { confusionSpec, disparateImpactSpec } from './evaluation.js'
export { toPng, toSvg } from './render.js'
