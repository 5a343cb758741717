export { binLabels, type Distribution, distributionRows, distributionSpec } from './distribution.js'
export { confusionSpec, disparateImpactSpec } from './evaluation.js'
export { toSvg } from './render.js'
