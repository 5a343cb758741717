export {
  type ConfusionGroup,
  classificationPerformance,
  type OutcomeSummary,
  regressionPerformance,
  type ScoringSetup,
  scoringSetup,
} from './aggregates.js'
export { type WindowAccuracy, windowsPerformance } from './engine.js'
export {
  type Evaluation,
  evaluateModel,
  fairnessOf,
  isRegression,
  type Joined,
  joinOutcomes,
  type Outcome,
  type Performance,
  performanceOf,
} from './evaluate.js'
export { judged, type WindowReading, windowsGroupCounts } from './groups.js'
export {
  computeNow,
  dueWindows,
  emptySchedule,
  loadSchedule,
  planRecompute,
  type Readings,
  type RecomputeContext,
  republishing,
  reschedule,
  type Schedule,
  type ScheduleOwner,
} from './schedule.js'
export {
  labelCoverage,
  type ModelWindow,
  touchedWindows,
  windowKey,
  windowMessage,
} from './windows.js'
