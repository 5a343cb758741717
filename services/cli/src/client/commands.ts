import { userInfo } from 'node:os'
import type { VigilConfig } from '@vigil/config'
import { type Command, InvalidArgumentError, Option } from 'commander'
import { type Backend, openBackend } from './backend.js'
import { formatRows, type OutputFormat } from './format.js'

const formatOption = () =>
  new Option('-f, --format <format>', 'output: table, json (one object a line) or csv')
    .choices(['table', 'json', 'csv'])
    .default('table')

const positiveInt = (v: string) => {
  const n = Number(v)
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a whole number of 1 or more')
  return n
}

/** Four significant digits for a person; tools get the full value (--format json or csv). */
const rounded = (v: unknown) => (typeof v === 'number' ? Number(v.toPrecision(4)) : v)

const WHERE =
  '\nWhere the answers come from: the vigil API at $VIGIL_API_URL (with $VIGIL_API_TOKEN) when set,\n' +
  'else ClickHouse itself ($CLICKHOUSE_URL, or the embedded engine when no `vigil start` holds it).'

/**
 * `vigil sql`, `vigil alerts` and `vigil silence`: reads and silences for people at a terminal,
 * through the running API or ClickHouse directly, with the same checks either way.
 */
export function registerClientCommands(
  program: Command,
  config: () => VigilConfig,
  run: (action: () => Promise<void>) => Promise<void>,
): void {
  const withBackend = (action: (b: Backend) => Promise<void>) =>
    run(async () => {
      const backend = await openBackend(config())
      try {
        await action(backend)
      } finally {
        await backend.close()
      }
    })
  const print = (text: string) => process.stdout.write(`${text}\n`)

  program
    .command('sql')
    .description("Run one read-only SQL statement on vigil's tables (no database name needed)")
    .argument('<query>', 'SELECT, WITH, SHOW, DESCRIBE or EXISTS')
    .addOption(formatOption())
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  $ vigil sql "SELECT model_id, count() AS predictions FROM predictions GROUP BY model_id"\n' +
        "  $ vigil sql \"SELECT window_start, value FROM drift_windows FINAL WHERE feature = 'amount' AND metric = 'psi'\" --format csv\n" +
        '  $ VIGIL_API_URL=http://127.0.0.1:8080 VIGIL_API_TOKEN=… vigil sql "SHOW TABLES" --format json\n' +
        `\nLimits (api.sql in vigil.yaml): rows, seconds and memory; a statement cannot set its own SETTINGS,\nFORMAT or INTO OUTFILE.${WHERE}`,
    )
    .action((query: string, opts: { format: OutputFormat }) =>
      withBackend(async (b) => {
        const r = await b.sql(query)
        print(
          formatRows(
            r.rows,
            opts.format,
            r.columns.map((c) => c.name),
          ),
        )
        if (opts.format === 'table')
          process.stderr.write(
            `${r.rows.length} row${r.rows.length === 1 ? '' : 's'}${r.truncated ? ' (cut at the row limit)' : ''}, ${r.elapsed_ms} ms\n`,
          )
        else if (r.truncated) process.stderr.write('vigil: the result was cut at the row limit\n')
      }),
    )

  program
    .command('alerts')
    .description('What is firing (and pending); --history for every state change')
    .addOption(
      new Option('-s, --status <status>', 'which alerts')
        .choices(['active', 'firing', 'pending', 'all'])
        .default('active'),
    )
    .option('-m, --model <id>', 'only this model')
    .option('-r, --rule <name>', 'only this rule')
    .option('--history', 'state changes (pending, firing, repeat, resolved, cleared), newest first')
    .option('-n, --limit <rows>', 'history rows at most', positiveInt, 50)
    .addOption(formatOption())
    .addHelpText(
      'after',
      `\nExamples:\n  $ vigil alerts\n  $ vigil alerts --model fraud-detector --status all\n  $ vigil alerts --history --limit 20 --format json\n${WHERE}`,
    )
    .action(
      (opts: {
        status: 'active' | 'firing' | 'pending' | 'all'
        model?: string
        rule?: string
        history?: boolean
        limit: number
        format: OutputFormat
      }) =>
        withBackend(async (b) => {
          if (opts.history) {
            const r = await b.history({ model: opts.model, rule: opts.rule, limit: opts.limit })
            print(
              formatRows(
                opts.format === 'table'
                  ? r.data.map((h) => ({
                      window_start: h.window_start,
                      transition: h.transition,
                      severity: h.severity,
                      rule: h.rule,
                      model: `${h.model_id} ${h.model_version}`,
                      subject: h.subject,
                      value: rounded(h.value),
                    }))
                  : r.data,
                opts.format,
              ),
            )
            if (r.truncated)
              process.stderr.write(`vigil: the ${opts.limit} newest changes; --limit shows more\n`)
            return
          }
          const rows = await b.alerts({ status: opts.status, model: opts.model, rule: opts.rule })
          if (rows.length === 0 && opts.format === 'table') {
            print(opts.status === 'active' ? 'nothing is firing or pending' : 'no alerts')
            return
          }
          print(
            formatRows(
              opts.format === 'table'
                ? rows.map((r) => ({
                    status: r.status,
                    severity: r.severity,
                    rule: r.rule,
                    model: `${r.model_id} ${r.model_version}`,
                    subject: r.subject,
                    value: rounded(r.value),
                    since: r.since,
                    last_window: r.last_window,
                  }))
                : rows,
              opts.format,
            ),
          )
        }),
    )

  const silence = program
    .command('silence')
    .description('Silence alerts for a while: notifications stop, the alerts keep their state')
    .addHelpText(
      'after',
      '\nExamples:\n  $ vigil silence add --rule feature-drift --model fraud-detector --for 2h\n' +
        `  $ vigil silence list\n  $ vigil silence expire 3f2a9c0d1b7e${WHERE}`,
    )
  silence
    .command('add')
    .description('Silence the alerts of a rule, model and subject (each * by default) for a time')
    .option('-r, --rule <name>', 'rule name, * for every rule', '*')
    .option('-m, --model <id>', 'model id, * for every model', '*')
    .option('-s, --subject <subject>', 'feature or attribute=group, * for all', '*')
    .option('--for <duration>', 'how long: 30m, 2h, 1d')
    .option('--until <time>', 'until this time (RFC 3339)')
    .option('-c, --comment <text>', 'why', '')
    .option('-a, --author <name>', 'who', userInfo().username)
    .addHelpText(
      'after',
      '\nExamples:\n  $ vigil silence add --rule feature-drift --model fraud-detector --for 2h --comment "retraining"\n' +
        `  $ vigil silence add --model churn-model --until 2026-12-02T09:00:00Z${WHERE}`,
    )
    .action(
      (opts: {
        rule: string
        model: string
        subject: string
        for?: string
        until?: string
        comment: string
        author: string
      }) =>
        withBackend(async (b) => {
          const s = await b.addSilence({
            rule: opts.rule,
            model: opts.model,
            subject: opts.subject,
            ...(opts.for === undefined ? {} : { duration: opts.for }),
            ...(opts.until === undefined ? {} : { ends_at: opts.until }),
            comment: opts.comment,
            author: opts.author,
          })
          print(
            `silence ${s.id}: rule ${s.rule}, model ${s.model_id}, subject ${s.subject}, ${s.starts_at} to ${s.ends_at}`,
          )
        }),
    )
  silence
    .command('list')
    .description('Silences that have not ended (--all: every one)')
    .option('--all', 'also silences that ended')
    .addOption(formatOption())
    .addHelpText(
      'after',
      `\nExamples:\n  $ vigil silence list\n  $ vigil silence list --all --format csv${WHERE}`,
    )
    .action((opts: { all?: boolean; format: OutputFormat }) =>
      withBackend(async (b) => {
        const list = await b.silences(opts.all === true)
        print(
          list.length === 0 && opts.format === 'table'
            ? 'no silences'
            : formatRows(list, opts.format, [
                'id',
                'active',
                'rule',
                'model_id',
                'subject',
                'starts_at',
                'ends_at',
                'author',
                'comment',
              ]),
        )
      }),
    )
  silence
    .command('expire')
    .description('End a silence now')
    .argument('<id>', 'the silence id (vigil silence list)')
    .addHelpText('after', `\nExamples:\n  $ vigil silence expire 3f2a9c0d1b7e${WHERE}`)
    .action((id: string) =>
      withBackend(async (b) => {
        const s = await b.expireSilence(id)
        print(`silence ${s.id} ended at ${s.ends_at}`)
      }),
    )
}
