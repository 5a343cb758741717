export { nonBlankLines, readCsvHeader, readTable } from './read.js'
export type { Reference } from './reference.js'
export {
  baselineFor,
  loadReferences,
  type References,
  referenceInsert,
  referenceKey,
  saveReference,
} from './store.js'
export {
  addJsonRow,
  type Column,
  type ColumnType,
  InputFileError,
  profileTable,
  type Table,
} from './table.js'
