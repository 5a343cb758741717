import { existsSync } from 'node:fs'
import { checkChannels, formatCondition, formatProblem } from '@vigil/config'
import { type Cli, fail } from '../cli.js'

export function registerRules({ program, config, run }: Cli): void {
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
        if (!existsSync(file)) fail(`cannot read ${file}: no such file`)
        const cfg = config(file)
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
}
