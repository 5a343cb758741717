export type { EventKind, InvalidCode, LabelEvent, PredictionEvent, Result, Scalar } from './types.js'
export { createEventParser, type EventParser, SUPPORTED_SCHEMA_VERSIONS } from './validate.js'
