export { chartSignatureValid, signedChartUrl } from './chart-links.js'
export {
  parseSlackActionValue,
  SLACK_ACTIONS,
  SLACK_SILENCE_MS,
  type SlackAlertRef,
  slackActionValue,
} from './slack-actions.js'
export type {
  AlertEvent,
  EventKind,
  InvalidCode,
  LabelEvent,
  MetricsMessage,
  OutcomeEvent,
  PredictionEvent,
  Result,
  Scalar,
  WebhookBody,
} from './types.js'
export {
  createEventParser,
  DEFAULT_MAX_EVENT_BYTES,
  type EventParser,
  SUPPORTED_SCHEMA_VERSIONS,
} from './validate.js'
