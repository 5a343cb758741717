export { createApi } from './service.js'
export { expired, planSilence, type SilenceJson, type SilenceRequest, silenceJson } from './silences.js'
export { createSqlRunner, SqlQueryError, type SqlResult, type SqlRunner } from './sql/run.js'
export {
  type AlertFilter,
  type ApiRow,
  type HistoryFilter,
  type Page,
  queryAlertHistory,
  queryAlerts,
} from './store.js'
