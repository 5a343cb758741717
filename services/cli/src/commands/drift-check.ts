import { readTable } from '@vigil/baselines'
import { type Cli, collect, parseTypes } from '../cli.js'
import { compareTables, renderReport } from '../drift-check/compare.js'

export function registerDriftCheck({ program, run }: Cli): void {
  program
    .command('drift-check')
    .description('Compare two files of feature values and report drift per column (no Kafka, no ClickHouse)')
    .requiredOption(
      '-r, --reference <file>',
      'reference data: CSV with a header row, or NDJSON (objects or prediction events)',
    )
    .requiredOption('-k, --current <file>', 'current data, same formats')
    .option('--json', 'print the report as JSON')
    .option(
      '-t, --type <name=type>',
      'force a column type, numerical or categorical (repeatable)',
      collect,
      [],
    )
    .option('--fail-on-drift', 'exit with code 1 when any feature drifted')
    .addHelpText(
      'after',
      '\nExamples:\n  $ vigil drift-check --reference training.csv --current last-week.csv\n' +
        '  $ vigil drift-check -r ref.ndjson -k cur.ndjson --type zip=categorical --json\n\n' +
        'Columns whose values are all numbers are numerical, others categorical. Definitions: docs/metrics.md.',
    )
    .action(
      (opts: { reference: string; current: string; json?: boolean; type: string[]; failOnDrift?: boolean }) =>
        run(async () => {
          const types = parseTypes(opts.type)
          const [reference, current] = await Promise.all([readTable(opts.reference), readTable(opts.current)])
          const report = compareTables(reference, current, types)
          process.stdout.write(
            opts.json ? `${JSON.stringify(report, null, 2)}\n` : `${renderReport(report)}\n`,
          )
          if (opts.failOnDrift && Object.values(report.features).some((f) => f.drifted)) process.exitCode = 1
        }),
    )
}
