import { Command } from 'commander'
import { createCli } from './cli.js'
import { registerClientCommands } from './client/commands.js'
import { registerBaseline } from './commands/baseline.js'
import { registerConfig } from './commands/config.js'
import { registerDriftCheck } from './commands/drift-check.js'
import { registerEvaluate } from './commands/evaluate.js'
import { registerIngest } from './commands/ingest.js'
import { registerMigrate } from './commands/migrate.js'
import { registerReplay } from './commands/replay.js'
import { registerRules } from './commands/rules.js'
import { registerStart } from './commands/start.js'

const program = new Command('vigil')
  .description('Monitor machine-learning models in production: drift, data quality, accuracy, bias, alerts.')
  .option('-c, --config <file>', 'vigil.yaml to read (default: $VIGIL_CONFIG, else ./vigil.yaml if present)')
  .showHelpAfterError()
  .addHelpText(
    'after',
    '\nExamples:\n  $ vigil start                       # every service in this process\n' +
      '  $ vigil rules check vigil.yaml\n  $ vigil config show --model fraud-detector\n  $ vigil alerts\n' +
      '  $ vigil sql "SELECT model_id, count() FROM predictions GROUP BY model_id"\n' +
      '  $ vigil <command> --help            # each command, with examples\n\nDocs: README.md, docs/api.md, docs/alerts.md, docs/analysts.md',
  )

const cli = createCli(program)
for (const register of [
  registerStart,
  registerMigrate,
  registerReplay,
  registerDriftCheck,
  registerEvaluate,
  registerIngest,
  registerRules,
  registerConfig,
  registerBaseline,
])
  register(cli)
registerClientCommands(program, () => cli.config(), cli.run)

await program.parseAsync(process.argv)
