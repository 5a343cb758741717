export {
  type ClickHouse,
  type ClickHouseOptions,
  compareVersions,
  connectClickHouse,
  EmbeddedClickHouseBusyError,
  MIN_SERVER_VERSION,
  UnsupportedClickHouseVersionError,
} from './client.js'
export { type ClusterOptions, clusterStatements } from './cluster.js'
export { dedupToken, fromClickHouseTime, insertRows, queryRows, toClickHouseTime } from './insert.js'
export { type MigrationReport, migrate, upStatements } from './migrate.js'
export { type MetricSeries, queryMetricSeries, type SeriesRequest } from './queries/alertSeries.js'
export {
  ALERT_HISTORY,
  ALERTS,
  type AlertFilter,
  AlertHistoryRow,
  AlertRow,
  alertStatesQuery,
  type HistoryFilter,
  queryAlertHistory,
  queryAlerts,
  RETRAINS,
  retrainsQuery,
} from './queries/alerts.js'
export { BASELINES, baselinesQuery, referenceProfileQuery } from './queries/baselines.js'
export {
  DRIFT_PARTIALS,
  DRIFT_STATE,
  driftStateQuery,
  featureWindowQuery,
  type MergedPartialRow,
  mergedPartialsQuery,
  type PartialWindow,
  partialsHighWaterQuery,
} from './queries/driftPartials.js'
export {
  type FleetFilter,
  FleetWindowRow,
  latestWindowStart,
  queryFiringByModel,
  queryFleetWindows,
} from './queries/fleet.js'
export {
  halvesOfPairsQuery,
  INGEST_HALVES,
  orphanedHalvesQuery,
  type StoredHalf,
} from './queries/ingestHalves.js'
export { type ModelSeen, ModelSeenRow, queryModels } from './queries/models.js'
export {
  NOTIFICATIONS,
  type NotificationFilter,
  NotificationRow,
  notificationQuery,
  OutboxRow,
  pendingNotificationsQuery,
  queryNotifications,
} from './queries/notifications.js'
export {
  groupConfusionQuery,
  joinedFromQuery,
  OUTCOMES,
  outcomeConfusionQuery,
  outcomeScoredQuery,
  outcomeSummaryQuery,
  PENDING_LABELS,
  waitingLabelsQuery,
} from './queries/outcomes.js'
export {
  type GroupWindowsParams,
  groupSelectionsQuery,
  LABELS,
  type LabelRow,
  PREDICTIONS,
  type PredictionRow,
  predictionRecordedQuery,
  predictionsByIdQuery,
  rangeSampleQuery,
  storedHighWaterMarkQuery,
  windowsPredictionCountQuery,
} from './queries/rawEvents.js'
export { WINDOW_SCHEDULE, waitingWindowsQuery } from './queries/schedule.js'
export {
  listSilences,
  loadSilence,
  loadSilences,
  type NewSilence,
  SILENCES,
  type Silence,
  type StoredSilence,
  saveSilence,
} from './queries/silences.js'
export type { Page } from './queries/where.js'
export { type WindowsParams, windowKeyOf, windowsParams } from './queries/windowed.js'
export {
  DRIFT_WINDOWS,
  DRIFT_WINDOWS_INPUT,
  FAIRNESS_WINDOWS,
  PERFORMANCE_WINDOWS,
  QUALITY_WINDOWS,
  QUALITY_WINDOWS_INPUT,
  queryWindows,
  type RepublishedTable,
  storedVersionsQuery,
  WINDOW_FAMILIES,
  WINDOW_ROWS,
  type WindowFamilyName,
  type WindowFilter,
  type WindowRow,
} from './queries/windows.js'
export {
  attachQueryMetrics,
  type ColumnDecoding,
  defineQuery,
  type NamedQuery,
  QueryRowError,
  runQuery,
} from './query.js'
export { type ServedEngine, type ServedUser, type ServeOptions, serveClickHouse } from './serve/server.js'
export {
  expired,
  planSilence,
  type SilenceJson,
  type SilenceRequest,
  silenceJson,
} from './silence-requests.js'
export type { SqlLimits } from './sql/readonly.js'
export { createSqlRunner, SqlQueryError, type SqlResult, type SqlRunner } from './sql/run.js'
export { column, defineTable, type TableDef } from './table.js'
