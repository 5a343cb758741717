import type { Reporter, RunnerTask, RunnerTestFile } from 'vitest'

// Ends the run with one plain line, `N passed, N failed, N skipped`, that CI systems read.
function count(tasks: readonly RunnerTask[], totals: Record<'passed' | 'failed' | 'skipped', number>): void {
  for (const task of tasks) {
    if (task.type === 'suite') count(task.tasks, totals)
    else if (task.result?.state === 'pass') totals.passed++
    else if (task.result?.state === 'fail') totals.failed++
    else totals.skipped++
  }
}

export default class SummaryReporter implements Reporter {
  onFinished(files: RunnerTestFile[] = [], errors: unknown[] = []): void {
    const totals = { passed: 0, failed: 0, skipped: 0 }
    count(files, totals)
    for (const f of files) if (f.result?.state === 'fail' && f.tasks.length === 0) totals.failed++
    totals.failed += errors.length
    process.stdout.write(`\n${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped\n`)
  }
}
