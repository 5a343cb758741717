export {
  type Evaluation,
  evaluateModel,
  fairnessOf,
  type Joined,
  joinOutcomes,
  type Outcome,
  type Performance,
  performanceOf,
} from './evaluate.js'
export {
  labelCoverage,
  type ModelWindow,
  recomputeWindows,
  touchedWindows,
  windowKey,
  windowMessage,
} from './windows.js'
