export {
  INVALID_MESSAGES,
  METRICS_T0,
  makeDriftMetrics,
  makeLabel,
  makePrediction,
  outcomeSample,
} from './events.js'
export {
  createTestTopics,
  groupLag,
  publish,
  type ReadMessage,
  readTopic,
  testKafka,
  waitFor,
} from './kafka.js'
export { testConfig, testDataDir, uniqueName } from './names.js'
export {
  type Delivery,
  freePort,
  type Mail,
  type SlackPost,
  slackStandIn,
  smtpStandIn,
  webhookReceiver,
} from './standins.js'
