export {
  driftWindowRows,
  fraudLabel,
  fraudPrediction,
  INVALID_MESSAGES,
  METRICS_T0,
  makeDriftMetrics,
  makeLabel,
  makePrediction,
  outcomeSample,
} from './events.js'
export { refuseSends, refuseWrites, tcpProxy } from './faults.js'
export {
  createTestTopics,
  groupLag,
  latestWindows,
  publish,
  type ReadMessage,
  readTopic,
  recorderCaughtUp,
  testKafka,
  waitFor,
} from './kafka.js'
export { ARTIFACTS, migratedClickHouse, testConfig, testDataDir, uniqueName } from './names.js'
export { pythonVenv } from './python.js'
export { listeningPort, startServices } from './services.js'
export {
  type Delivery,
  freePort,
  type Mail,
  pagerDutyStandIn,
  type SlackPost,
  type SlackUpdate,
  type SlackUpload,
  slackStandIn,
  smtpStandIn,
  webhookReceiver,
} from './standins.js'
