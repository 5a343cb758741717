import { type ExplainedSetting, explainConfig, explainModel } from '@vigil/config'
import type { Cli } from '../cli.js'

/** `value   (source)` lines, the paths aligned, values as YAML would read them. */
function render(settings: readonly ExplainedSetting[]): string {
  const width = Math.max(0, ...settings.map((s) => s.path.length))
  return settings.map((s) => `${s.path.padEnd(width)}  ${JSON.stringify(s.value)}  (${s.source})`).join('\n')
}

export function registerConfig({ program, run }: Cli): void {
  const command = program
    .command('config')
    .description('The effective configuration')
    .addHelpText('after', '\nExamples:\n  $ vigil config show\n  $ vigil config show --model fraud-detector')
  command
    .command('show')
    .description(
      'Print every effective setting and where it came from (default, file, environment, "*", model)',
    )
    .option('-m, --model <id>', "a model's monitoring settings instead of the process's")
    .option('--json', 'print a JSON array of {path, value, source}')
    .addHelpText(
      'after',
      '\nExamples:\n  $ vigil config show\n  $ vigil config show --model fraud-detector\n' +
        '  $ vigil --config deploy/vigil.yaml config show --model "*" --json\n\n' +
        'A model\'s settings merge per field: built-in defaults, then "*", then the model, then (drift\n' +
        'thresholds) the feature. Durations are shown in milliseconds; secrets only as set or not set.',
    )
    .action((opts: { model?: string; json?: boolean }) =>
      run(async () => {
        const { config, settings } = explainConfig({
          env: process.env,
          cwd: process.cwd(),
          file: (program.opts() as { config?: string }).config,
        })
        const shown = opts.model === undefined ? settings : explainModel(config, opts.model)
        process.stdout.write(opts.json ? `${JSON.stringify(shown, null, 2)}\n` : `${render(shown)}\n`)
      }),
    )
}
