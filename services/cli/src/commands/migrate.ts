import { connectClickHouse, migrate } from '@vigil/clickhouse'
import type { Cli } from '../cli.js'

export function registerMigrate({ program, config, run }: Cli): void {
  program
    .command('migrate')
    .description('Create or upgrade the ClickHouse tables (safe to run again)')
    .addHelpText(
      'after',
      '\nExamples:\n  $ vigil migrate\n  $ CLICKHOUSE_URL=http://localhost:8123 vigil migrate',
    )
    .action(() =>
      run(async () => {
        const ch = await connectClickHouse(config().clickhouse)
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
}
