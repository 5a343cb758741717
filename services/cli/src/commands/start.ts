import { startUntilSignal } from '@vigil/runtime'
import type { Cli } from '../cli.js'
import { SERVICES } from '../services.js'

export function registerStart({ program, config, run }: Cli): void {
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
          const cfg = config()
          // All of them: the HTTP API only when vigil.yaml gives it tokens, the served engine only with
          // clickhouse.serve (named, each insists).
          const chosen =
            names.length > 0
              ? names
              : Object.keys(SERVICES).filter(
                  (n) =>
                    (n !== 'api' || cfg.api.tokens.length > 0) &&
                    (n !== 'clickhouse-http' || cfg.clickhouse.serve !== undefined),
                )
          const unknown = chosen.filter((n) => !(n in SERVICES))
          if (unknown.length > 0) {
            program.error(
              `vigil: unknown service ${unknown.join(', ')}; known: ${Object.keys(SERVICES).join(', ')}`,
              { exitCode: 2 },
            )
          }
          await startUntilSignal(
            cfg,
            chosen.map((n) => SERVICES[n]!),
          )
        },
        () => config().kafka.brokers,
      ),
    )
}
