export { Reservoir, seedOf } from './reservoir.js'
export {
  type Aggregator,
  type ClosedWindow,
  PartitionWindows,
  type WindowSpec,
  type WindowsSnapshot,
  windowStart,
} from './windows.js'
