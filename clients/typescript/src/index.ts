export {
  type Label,
  type Prediction,
  type Rejected,
  type Scalar,
  VigilClient,
  VigilClientError,
  type VigilClientOptions,
} from './client.js'
