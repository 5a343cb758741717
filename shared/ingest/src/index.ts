export { decodeRequest, decodeResponse, type Mapped, type PairContext, toPredictions } from './mapping.js'
export type { Decoded, Decoding, Row, Scalar, Value } from './rows.js'
