import { modelConfig } from '@vigil/config'
import { evaluateModel, joinOutcomes } from '@vigil/outcomes'
import { type Cli, fail } from '../cli.js'
import { readEvents } from '../evaluate/read.js'
import { renderEvaluation } from '../evaluate/render.js'

export function registerEvaluate({ program, config, run }: Cli): void {
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
    .action((opts: { predictions: string; labels: string; model?: string; json?: boolean }) =>
      run(async () => {
        const settings = config()
        const [predictions, labels] = await Promise.all([
          readEvents(opts.predictions, 'prediction'),
          readEvents(opts.labels, 'label'),
        ])
        const models = [...new Set(predictions.map((p) => p.model_id))].sort()
        const modelId = opts.model ?? (models.length === 1 ? models[0]! : undefined)
        if (modelId === undefined || !models.includes(modelId)) {
          fail(
            `${opts.predictions}: ${opts.model ? `no predictions of model ${opts.model}; ` : ''}` +
              `the file holds models ${models.join(', ')}: choose one with --model`,
          )
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
      }),
    )
}
