// `npm run bench:faults`: the outage scenario of the suite (six services in one process) over a
// longer stream and longer faults: per kind of fault, the time from the fault's end to every
// consumer group caught up, in each phase (predictions, then labels), and the run's events/s
// next to an uninterrupted run's. Prints figures; fails only if a run's tables differ.
// The failover run is on a three-broker cluster (kafka.sh cluster) with a second process holding
// half the partitions; that process and one broker are SIGKILLed 3 s into each phase.
//   BENCH_EVENTS (predictions, default 100000), BENCH_FAULT_MS (default 50000),
//   BENCH_FAULTS (a comma-separated choice, default every kind; 'none' always runs first),
//   BENCH_INSTANCES (failover: instances of every service, default 3).
import { type Fault, type RunResult, runOutage } from '../e2e/outage-scenario.js'
import { ensureBroker, report } from './common.js'

const N = Number(process.env.BENCH_EVENTS ?? 100_000)
const FAULT_MS = Number(process.env.BENCH_FAULT_MS ?? 50_000)
const stopBroker = ensureBroker()
const open: (() => Promise<void>)[] = []

const kinds: Fault[] = ['clickhouse', 'produce', 'broker', 'rebalance', 'failover']
const chosen = process.env.BENCH_FAULTS?.split(',').filter((f): f is Fault => kinds.includes(f as Fault))
const results = new Map<Fault, RunResult>()
try {
  for (const fault of ['none', ...(chosen ?? kinds)] as Fault[]) {
    process.stdout.write(
      `${fault}: ${N} predictions, ${N / 2} labels, fault ${FAULT_MS / 1000} s per phase...\n`,
    )
    results.set(
      fault,
      await runOutage(fault, {
        predictions: N,
        faultMs: fault === 'none' ? 0 : FAULT_MS,
        cleanup: (f) => open.push(f),
        instances: Number(process.env.BENCH_INSTANCES ?? 3),
      }),
    )
  }
} finally {
  for (const f of open.reverse()) await f().catch(() => undefined)
}
const base = results.get('none')!
const seconds = (ms: number[]) => ms.map((x) => `${(x / 1000).toFixed(1)} s`).join(' / ')
const same = (r: RunResult) =>
  Object.keys(base.tables).every((t) => JSON.stringify(r.tables[t]) === JSON.stringify(base.tables[t])) &&
  JSON.stringify(r.deliveries) === JSON.stringify(base.deliveries)
report(
  [...results].map(([fault, r]) => [
    fault === 'none' ? 'uninterrupted' : `${fault} ${FAULT_MS / 1000} s ×2`,
    `${Math.round(r.eventsPerSec)} events/s overall; caught up ${seconds(r.recoveryMs)} after the fault's end, ${seconds(r.sinceFaultMs)} after its start; tables ${same(r) ? 'identical' : 'DIFFER'}`,
  ]),
  {
    bench: 'faults',
    predictions: N,
    faultMs: FAULT_MS,
    runs: Object.fromEntries(
      [...results].map(([f, r]) => [
        f,
        {
          eventsPerSec: Math.round(r.eventsPerSec),
          recoveryMs: r.recoveryMs,
          sinceFaultMs: r.sinceFaultMs,
          identical: same(r),
        },
      ]),
    ),
  },
)
stopBroker()
if (![...results.values()].every(same)) process.exitCode = 1
