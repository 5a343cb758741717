export {
  type ClickHouse,
  type ClickHouseOptions,
  compareVersions,
  connectClickHouse,
  EmbeddedClickHouseBusyError,
  MIN_SERVER_VERSION,
  UnsupportedClickHouseVersionError,
} from './client.js'
export { dedupToken, fromClickHouseTime, insertRows, queryRows, toClickHouseTime } from './insert.js'
export { type MigrationReport, migrate, upStatements } from './migrate.js'
export {
  type AlertFilter,
  AlertHistoryRow,
  AlertRow,
  alertHistoryQuery,
  alertsQuery,
  type HistoryFilter,
  queryAlertHistory,
  queryAlerts,
} from './queries/alerts.js'
export { type ModelSeen, ModelSeenRow, modelsQuery, queryModels } from './queries/models.js'
export {
  type NotificationFilter,
  NotificationRow,
  notificationsQuery,
  queryNotifications,
} from './queries/notifications.js'
export {
  LABELS_TABLE,
  type LabelRow,
  PREDICTIONS_TABLE,
  type PredictionRow,
  STORED_HIGH_WATER_MARK,
} from './queries/rawEvents.js'
export {
  listSilences,
  loadSilence,
  loadSilences,
  type NewSilence,
  type Silence,
  type StoredSilence,
  saveSilence,
} from './queries/silences.js'
export type { Page } from './queries/where.js'
export {
  queryWindows,
  WINDOW_FAMILIES,
  WINDOW_ROWS,
  type WindowFamilyName,
  type WindowFilter,
  type WindowRow,
} from './queries/windows.js'
export {
  attachQueryMetrics,
  type ColumnDecoding,
  decodeColumns,
  defineQuery,
  type NamedQuery,
  QueryRowError,
  runQuery,
} from './query.js'
export {
  expired,
  planSilence,
  type SilenceJson,
  type SilenceRequest,
  silenceJson,
} from './silence-requests.js'
export type { SqlLimits } from './sql/readonly.js'
export { createSqlRunner, SqlQueryError, type SqlResult, type SqlRunner } from './sql/run.js'
