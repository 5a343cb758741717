import { writeFile } from 'node:fs/promises'
import { modelConfig } from '@vigil/config'
import type { Cli } from '../cli.js'
import { UserError } from '../client/backend.js'
import { type EvaluateFiles, evaluateFiles } from '../evaluate/engine.js'
import { evaluationHtml } from '../evaluate/html.js'
import { evaluateInProcess } from '../evaluate/process.js'
import { renderEvaluation } from '../evaluate/render.js'
import { withScratchEngine } from '../scratch.js'

export function registerEvaluate({ program, config, run }: Cli): void {
  program
    .command('evaluate')
    .description(
      'Join prediction and label files and report accuracy and fairness as one window (no Kafka, no server: the embedded engine reads the files)',
    )
    .requiredOption('-p, --predictions <file>', 'NDJSON of prediction events (schemas/events/prediction.v1)')
    .requiredOption('-l, --labels <file>', 'NDJSON of label events (schemas/events/label.v1)')
    .option('-m, --model <id>', 'the model to evaluate when the files hold several')
    .option('--json', 'print the report as JSON')
    .option('--html <file>', 'also write the report as one self-contained HTML file, with charts')
    .addHelpText(
      'after',
      '\nExamples:\n  $ vigil evaluate --predictions preds.ndjson --labels labels.ndjson\n' +
        '  $ vigil evaluate -p preds.ndjson -l labels.ndjson --model fraud --config vigil.yaml --json\n\n' +
        "The model's task, positive_class and sensitive_attributes come from vigil.yaml (models:);\n" +
        'without them they are inferred and the report says how. Definitions: docs/metrics.md.',
    )
    .action((opts: { predictions: string; labels: string; model?: string; json?: boolean; html?: string }) =>
      run(async () => {
        const settings = config()
        const files: EvaluateFiles = {
          predictions: opts.predictions,
          labels: opts.labels,
          pick: (found) => {
            const models = [...found].sort()
            const modelId = opts.model ?? (models.length === 1 ? models[0] : undefined)
            if (modelId !== undefined && models.includes(modelId)) return modelId
            throw new UserError(
              `${opts.predictions}: ${opts.model ? `no predictions of model ${opts.model}; ` : ''}` +
                `the file holds models ${models.join(', ')}: choose one with --model`,
            )
          },
          settings: (modelId) => modelConfig(settings, modelId),
        }
        const report =
          (await withScratchEngine('evaluate', (ch) => evaluateFiles(ch, files))) ??
          (await evaluateInProcess(files))
        process.stdout.write(
          opts.json ? `${JSON.stringify(report, null, 2)}\n` : `${renderEvaluation(report)}\n`,
        )
        if (opts.html) {
          await writeFile(opts.html, await evaluationHtml(report, opts))
          process.stderr.write(`wrote ${opts.html}\n`)
        }
      }),
    )
}
