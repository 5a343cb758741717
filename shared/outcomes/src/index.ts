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
export { labelCoverage, type ModelWindow, touchedWindows, windowMessage } from './windows.js'
