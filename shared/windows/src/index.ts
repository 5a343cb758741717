export { BottomK, hash53 } from './sample.js'
export {
  type Aggregator,
  type ClosedWindow,
  PartitionWindows,
  type WindowSpec,
  type WindowsSnapshot,
  windowStart,
} from './windows.js'
