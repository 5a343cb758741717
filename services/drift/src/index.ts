export {
  addJsonRow,
  addText,
  type Column,
  type ColumnType,
  column,
  InputFileError,
  profileTable,
  type Table,
} from './baseline.js'
export { createDrift, type DriftDeps } from './service.js'
export type { Reference } from './steps/reference.js'
export { saveReference } from './store.js'
