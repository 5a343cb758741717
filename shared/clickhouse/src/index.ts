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
