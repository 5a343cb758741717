export type {
  EventKind,
  InvalidCode,
  LabelEvent,
  MetricsMessage,
  OutcomeEvent,
  PredictionEvent,
  Result,
  Scalar,
} from './types.js'
export { createEventParser, type EventParser, SUPPORTED_SCHEMA_VERSIONS } from './validate.js'
