import { existsSync } from 'node:fs'
import { InputFileError, profileTable, type Reference, readTable, saveReference } from '@vigil/baselines'
import { connectClickHouse, migrate } from '@vigil/clickhouse'
import {
  checkChannels,
  formatCondition,
  formatProblem,
  loadVigilConfig,
  modelConfig,
  type VigilConfig,
} from '@vigil/config'
import type { LabelEvent, PredictionEvent } from '@vigil/events'
import { createKafka, createProducer, ensureTopics, replayFile } from '@vigil/kafka'
import { createLogger } from '@vigil/observability'
import { evaluateModel, joinOutcomes } from '@vigil/outcomes'
import { explainStartupError, startUntilSignal } from '@vigil/runtime'
import { Command } from 'commander'
import { UserError } from './client/backend.js'
import { registerClientCommands } from './client/commands.js'
import { type ColumnType, compareTables, renderReport } from './drift-check/compare.js'
import { readEvents } from './evaluate/read.js'
import { renderEvaluation } from './evaluate/render.js'
import { SERVICES } from './services.js'

function config(opts: { config?: string }): VigilConfig {
  return loadVigilConfig({ env: process.env, cwd: process.cwd(), file: opts.config })
}

/** Runs a command; a failure prints one clear message and sets the exit code (2: your input, 1: environment). */
async function run(action: () => Promise<void>, brokers?: () => string[] | undefined): Promise<void> {
  try {
    await action()
  } catch (err) {
    let known: string[] | undefined
    try {
      known = brokers?.()
    } catch {
      known = undefined
    }
    if (err instanceof UserError) {
      process.stderr.write(`vigil: ${err.message}\n`)
      process.exit(2)
    }
    const { message, exitCode } = explainStartupError(err, { brokers: known })
    process.stderr.write(`vigil: ${message}\n`)
    process.exit(exitCode)
  }
}

/** `--type name=numerical|categorical` options; a malformed one exits 2. */
function parseTypes(specs: readonly string[]): Map<string, ColumnType> {
  const types = new Map<string, ColumnType>()
  for (const t of specs) {
    const m = /^([^=]+)=(numerical|categorical)$/.exec(t)
    if (!m) {
      process.stderr.write(`vigil: --type ${t}: expected name=numerical or name=categorical\n`)
      process.exit(2)
    }
    types.set(m[1]!, m[2] as ColumnType)
  }
  return types
}

const program = new Command('vigil')
  .description('Monitor machine-learning models in production: drift, data quality, accuracy, bias, alerts.')
  .option('-c, --config <file>', 'vigil.yaml to read (default: $VIGIL_CONFIG, else ./vigil.yaml if present)')
  .showHelpAfterError()
  .addHelpText(
    'after',
    '\nExamples:\n  $ vigil start                       # every service in this process\n' +
      '  $ vigil rules check vigil.yaml\n  $ vigil alerts\n' +
      '  $ vigil sql "SELECT model_id, count() FROM predictions GROUP BY model_id"\n' +
      '  $ vigil <command> --help            # each command, with examples\n\nDocs: README.md, docs/api.md, docs/alerts.md, docs/analysts.md',
  )

program
  .command('start')
  .description('Start vigil services; all of them in this one process unless some are named')
  .argument('[service...]', `services to run: ${Object.keys(SERVICES).join(', ')}`)
  .addHelpText(
    'after',
    '\nExamples:\n  $ vigil start\n  $ vigil start recorder\n  $ KAFKA_BROKERS=k1:9092 CLICKHOUSE_URL=http://ch:8123 vigil start recorder',
  )
  .action((names: string[]) =>
    run(
      async () => {
        const cfg = config(program.opts())
        // All of them: the HTTP API only when vigil.yaml gives it tokens (named, it insists).
        const chosen =
          names.length > 0
            ? names
            : Object.keys(SERVICES).filter((n) => n !== 'api' || cfg.api.tokens.length > 0)
        const unknown = chosen.filter((n) => !(n in SERVICES))
        if (unknown.length > 0) {
          program.error(
            `vigil: unknown service ${unknown.join(', ')}; known: ${Object.keys(SERVICES).join(', ')}`,
            {
              exitCode: 2,
            },
          )
        }
        await startUntilSignal(
          cfg,
          chosen.map((n) => SERVICES[n]!),
        )
      },
      () => config(program.opts()).kafka.brokers,
    ),
  )

program
  .command('migrate')
  .description('Create or upgrade the ClickHouse tables (safe to run again)')
  .addHelpText(
    'after',
    '\nExamples:\n  $ vigil migrate\n  $ CLICKHOUSE_URL=http://localhost:8123 vigil migrate',
  )
  .action(() =>
    run(async () => {
      const cfg = config(program.opts())
      const ch = await connectClickHouse(cfg.clickhouse)
      try {
        const report = await migrate(ch)
        process.stdout.write(
          `ClickHouse ${ch.serverVersion} (${ch.kind}), database ${ch.database}: ` +
            `${report.applied.length} applied${report.applied.length ? ` (${report.applied.join(', ')})` : ''}, ` +
            `${report.alreadyApplied.length} already applied\n`,
        )
      } finally {
        await ch.close()
      }
    }),
  )

program
  .command('replay')
  .description('Publish the events of an NDJSON file to a Kafka topic, one message per line')
  .argument('<file>', 'NDJSON file, one event per line')
  .requiredOption('-t, --topic <topic>', 'topic name, or "predictions" / "labels" for the configured topics')
  .addHelpText(
    'after',
    '\nExamples:\n  $ vigil replay test/fixtures/sample-predictions.ndjson --topic predictions\n  $ vigil replay labels.ndjson --topic vigil.labels',
  )
  .action((file: string, opts: { topic: string }) =>
    run(
      async () => {
        if (!existsSync(file)) program.error(`vigil: cannot read ${file}: no such file`, { exitCode: 2 })
        const cfg = config(program.opts())
        const topics = cfg.kafka.topics as Record<string, string>
        const topic = topics[opts.topic] ?? opts.topic
        const log = createLogger({ name: 'vigil-replay', level: 'warn' })
        const kafka = createKafka({ ...cfg.kafka, log })
        await ensureTopics(kafka, [topic], cfg.kafka)
        const producer = createProducer(kafka)
        await producer.start()
        try {
          const { sent } = await replayFile(file, topic, producer)
          process.stdout.write(`published ${sent} events from ${file} to ${topic}\n`)
        } finally {
          await producer.stop()
        }
      },
      () => config(program.opts()).kafka.brokers,
    ),
  )

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
    (v: string, all: string[]) => [...all, v],
    [] as string[],
  )
  .option('--fail-on-drift', 'exit with code 1 when any feature drifted')
  .addHelpText(
    'after',
    '\nExamples:\n  $ vigil drift-check --reference training.csv --current last-week.csv\n' +
      '  $ vigil drift-check -r ref.ndjson -k cur.ndjson --type zip=categorical --json\n\n' +
      'Columns whose values are all numbers are numerical, others categorical. Definitions: docs/metrics.md.',
  )
  .action(
    async (opts: {
      reference: string
      current: string
      json?: boolean
      type: string[]
      failOnDrift?: boolean
    }) => {
      const types = parseTypes(opts.type)
      try {
        const [reference, current] = await Promise.all([readTable(opts.reference), readTable(opts.current)])
        const report = compareTables(reference, current, types)
        process.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : `${renderReport(report)}\n`)
        if (opts.failOnDrift && Object.values(report.features).some((f) => f.drifted)) process.exitCode = 1
      } catch (err) {
        if (!(err instanceof InputFileError)) throw err
        process.stderr.write(`vigil: ${err.message}\n`)
        process.exit(2)
      }
    },
  )

program
  .command('evaluate')
  .description('Join prediction and label files and report accuracy and fairness as one window (no Kafka)')
  .requiredOption('-p, --predictions <file>', 'NDJSON of prediction events (schemas/events/prediction.v1)')
  .requiredOption('-l, --labels <file>', 'NDJSON of label events (schemas/events/label.v1)')
  .option('-m, --model <id>', 'the model to evaluate when the files hold several')
  .option('--json', 'print the report as JSON')
  .addHelpText(
    'after',
    '\nExamples:\n  $ vigil evaluate --predictions preds.ndjson --labels labels.ndjson\n' +
      '  $ vigil evaluate -p preds.ndjson -l labels.ndjson --model fraud --config vigil.yaml --json\n\n' +
      "The model's task, positive_class and sensitive_attributes come from vigil.yaml (models:);\n" +
      'without them they are inferred and the report says how. Definitions: docs/metrics.md.',
  )
  .action(async (opts: { predictions: string; labels: string; model?: string; json?: boolean }) => {
    await run(async () => {
      const settings = config(program.opts())
      let predictions: PredictionEvent[]
      let labels: LabelEvent[]
      try {
        ;[predictions, labels] = await Promise.all([
          readEvents(opts.predictions, 'prediction'),
          readEvents(opts.labels, 'label'),
        ])
      } catch (err) {
        if (!(err instanceof InputFileError)) throw err
        process.stderr.write(`vigil: ${err.message}\n`)
        process.exit(2)
      }
      const models = [...new Set(predictions.map((p) => p.model_id))].sort()
      const modelId = opts.model ?? (models.length === 1 ? models[0]! : undefined)
      if (modelId === undefined || !models.includes(modelId)) {
        process.stderr.write(
          `vigil: ${opts.predictions}: ${opts.model ? `no predictions of model ${opts.model}; ` : ''}` +
            `the file holds models ${models.join(', ')}: choose one with --model\n`,
        )
        process.exit(2)
      }
      const mine = predictions.filter((p) => p.model_id === modelId)
      const joined = joinOutcomes(
        mine,
        labels.filter((l) => l.model_id === modelId),
      )
      const report = evaluateModel(modelId, mine, joined.outcomes, modelConfig(settings, modelId))
      if (joined.unmatchedLabels > 0)
        report.notes.push(`${joined.unmatchedLabels} labels have no prediction in ${opts.predictions}`)
      if (joined.duplicateLabels > 0)
        report.notes.push(
          `${joined.duplicateLabels} repeated labels ignored (the first label of a prediction counts)`,
        )
      process.stdout.write(
        opts.json ? `${JSON.stringify(report, null, 2)}\n` : `${renderEvaluation(report)}\n`,
      )
    })
  })

const rules = program
  .command('rules')
  .description('Alert rules and channels in vigil.yaml')
  .addHelpText(
    'after',
    '\nExamples:\n  $ vigil rules check\n  $ vigil rules check deploy/examples/vigil.yaml',
  )
rules
  .command('check')
  .description('Validate rules and alerting settings; print every problem with its line (exit 2 if any)')
  .argument('[file]', 'the configuration file', 'vigil.yaml')
  .addHelpText(
    'after',
    '\nExamples:\n  $ vigil rules check\n  $ vigil rules check deploy/examples/vigil.yaml\n\n' +
      'Settings that come from the environment (SLACK_TOKEN, SMTP_URL, webhook secrets) are reported\n' +
      'as warnings: vigil start refuses to run the rules service without them.',
  )
  .action((file: string) =>
    run(async () => {
      if (!existsSync(file)) program.error(`vigil: cannot read ${file}: no such file`, { exitCode: 2 })
      const cfg = loadVigilConfig({ env: process.env, cwd: process.cwd(), file })
      const problems = await checkChannels(cfg)
      const fromEnv = problems.filter((p) => p.source === 'environment')
      const inFile = problems.filter((p) => p.source !== 'environment')
      for (const p of inFile) process.stderr.write(`${formatProblem(p)}\n`)
      for (const p of fromEnv) process.stderr.write(`warning: ${formatProblem(p)}\n`)
      if (inFile.length > 0) process.exit(2)
      process.stdout.write(
        `${file}: ${cfg.rules.length} rules, ${Object.keys(cfg.alerting.webhooks).length} webhooks, ok\n`,
      )
      for (const r of cfg.rules) {
        const subject = r.feature ?? (r.attribute ? `${r.attribute}=${r.group ?? '*'}` : '')
        process.stdout.write(
          `  ${r.name}: ${r.model} ${r.family}.${r.metric}${subject ? `[${subject}]` : ''} ${formatCondition(r.condition)}` +
            `${r.for > 1 ? ` for ${r.for} windows` : ''} → ${[...r.notify, ...(r.retrain ? [`retrain:${r.retrain}`] : [])].join(', ')}\n`,
        )
      }
    }),
  )

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
  .option('-v, --version <version>', 'model version it applies to; * for every version without its own', '*')
  .requiredOption(
    '-f, --from <file>',
    'CSV with a header row, or NDJSON of feature objects or prediction events',
  )
  .option(
    '-t, --type <name=type>',
    'force a column type, numerical or categorical (repeatable)',
    (v: string, all: string[]) => [...all, v],
    [] as string[],
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
      if (!/^[A-Za-z0-9_.-]{1,128}$/.test(opts.model)) {
        process.stderr.write(`vigil: --model ${opts.model}: a model id is 1-128 of A-Z a-z 0-9 _ . -\n`)
        process.exit(2)
      }
      let reference: Reference
      try {
        reference = profileTable(await readTable(opts.from), opts.version, parseTypes(opts.type))
      } catch (err) {
        if (!(err instanceof InputFileError)) throw err
        process.stderr.write(`vigil: ${err.message}\n`)
        process.exit(2)
      }
      const cfg = config(program.opts())
      const ch = await connectClickHouse(cfg.clickhouse)
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

registerClientCommands(
  program,
  () => config(program.opts()),
  (action) => run(action),
)

await program.parseAsync(process.argv)
