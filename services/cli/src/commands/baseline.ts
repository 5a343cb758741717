import { profileTable, readTable, saveReference } from '@vigil/baselines'
import { connectClickHouse, migrate } from '@vigil/clickhouse'
import { type Cli, collect, fail, parseTypes } from '../cli.js'

export function registerBaseline({ program, config, run }: Cli): void {
  const baseline = program
    .command('baseline')
    .description('Reference profiles that drift is measured against')
    .addHelpText('after', '\nExamples:\n  $ vigil baseline create --model fraud-detector --from training.csv')

  baseline
    .command('create')
    .description(
      'Store a baseline for a model from a file of feature values (training data, or a sample of traffic)',
    )
    .requiredOption('-m, --model <id>', 'model id')
    .option(
      '-v, --version <version>',
      'model version it applies to; * for every version without its own',
      '*',
    )
    .requiredOption(
      '-f, --from <file>',
      'CSV with a header row, or NDJSON of feature objects or prediction events',
    )
    .option(
      '-t, --type <name=type>',
      'force a column type, numerical or categorical (repeatable)',
      collect,
      [],
    )
    .addHelpText(
      'after',
      '\nExamples:\n  $ vigil baseline create --model fraud-detector --from training.csv\n' +
        '  $ vigil baseline create -m fraud-detector -v 2026-11-01 -f last-week.ndjson --type zip=categorical\n\n' +
        'The drift service compares each window with the baseline of its model version (or *); without one,\n' +
        "a model version's first complete window becomes its reference. Restart vigil to use a new baseline.",
    )
    .action((opts: { model: string; version: string; from: string; type: string[] }) =>
      run(async () => {
        if (!/^[A-Za-z0-9_.-]{1,128}$/.test(opts.model))
          fail(`--model ${opts.model}: a model id is 1-128 of A-Z a-z 0-9 _ . -`)
        const reference = profileTable(await readTable(opts.from), opts.version, parseTypes(opts.type))
        const ch = await connectClickHouse(config().clickhouse)
        try {
          await migrate(ch)
          await saveReference(ch, opts.model, opts.version, reference, `file:${opts.from}`)
        } finally {
          await ch.close()
        }
        const n = Object.values(reference.features)
        process.stdout.write(
          `baseline for ${opts.model} (version ${opts.version}) stored: ${n.length} features, ` +
            `${Math.max(0, ...n.map((f) => f.count + f.missing))} rows from ${opts.from}\n`,
        )
      }),
    )
}
