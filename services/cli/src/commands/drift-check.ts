import { writeFile } from 'node:fs/promises'
import { type Cli, collect, parseTypes } from '../cli.js'
import { compareFiles } from '../drift-check/engine.js'
import { driftReportHtml } from '../drift-check/html.js'
import { renderReport } from '../drift-check/report.js'
import { withScratchEngine } from '../scratch.js'

export function registerDriftCheck({ program, run }: Cli): void {
  program
    .command('drift-check')
    .description(
      'Compare two files of feature values and report drift per column (no Kafka, no server: the embedded engine reads the files)',
    )
    .requiredOption(
      '-r, --reference <file>',
      'reference data: CSV with a header row, Parquet (.parquet), or NDJSON (objects or prediction events)',
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
    .option(
      '--html <file>',
      "also write the report as one self-contained HTML file, with each feature's distributions",
    )
    .addHelpText(
      'after',
      '\nExamples:\n  $ vigil drift-check --reference training.csv --current last-week.csv\n' +
        '  $ vigil drift-check -r ref.ndjson -k cur.ndjson --type zip=categorical --json\n' +
        '  $ vigil drift-check -r training.parquet -k today.csv --html drift.html\n\n' +
        'Columns whose values are all numbers are numerical, others categorical. Definitions: docs/metrics.md.',
    )
    .action(
      (opts: {
        reference: string
        current: string
        json?: boolean
        type: string[]
        failOnDrift?: boolean
        html?: string
      }) =>
        run(async () => {
          const types = parseTypes(opts.type)
          const report = await withScratchEngine('drift-check', (ch) =>
            compareFiles(ch, opts.reference, opts.current, types),
          )
          const { distributions: _, ...printed } = report
          process.stdout.write(
            opts.json ? `${JSON.stringify(printed, null, 2)}\n` : `${renderReport(report)}\n`,
          )
          if (opts.html) {
            await writeFile(opts.html, await driftReportHtml(report, opts))
            process.stderr.write(`wrote ${opts.html}\n`)
          }
          if (opts.failOnDrift && Object.values(report.features).some((f) => f.drifted)) process.exitCode = 1
        }),
    )
}
