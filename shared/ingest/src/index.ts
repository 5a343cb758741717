export {
  fromHttp,
  fromKafka,
  type Half,
  type PairingOf,
  type Parsed,
  SERVING_TYPES,
  type ServingEvent,
  servingEvent,
  toKafka,
} from './cloudevents.js'
export {
  decodeRequest,
  decodeResponse,
  feedbackLabels,
  type Mapped,
  type PairContext,
  toPredictions,
} from './mapping.js'
export type { Decoded, Decoding, Row, Scalar, Value } from './rows.js'
export { type SeldonSource, seldonHalf, seldonTopics } from './seldon-core.js'
