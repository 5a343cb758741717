import { type ColumnType, InputFileError } from '@vigil/baselines'
import { loadVigilConfig, type VigilConfig } from '@vigil/config'
import { explainStartupError } from '@vigil/runtime'
import type { Command } from 'commander'
import { UserError } from './client/backend.js'

/** What every command module gets: the program (for its global options) and one way to fail. */
export interface Cli {
  program: Command
  /** The configuration named by `--config` (else $VIGIL_CONFIG, else ./vigil.yaml), with the environment. */
  config(file?: string): VigilConfig
  /**
   * Runs a command; a failure prints one clear message and sets the exit code: 2 for the user's
   * input (a bad file or argument), 1 for the environment (a broker or ClickHouse not reachable).
   */
  run(action: () => Promise<void>, brokers?: () => string[] | undefined): Promise<void>
}

export function createCli(program: Command): Cli {
  const config = (file?: string) =>
    loadVigilConfig({
      env: process.env,
      cwd: process.cwd(),
      file: file ?? (program.opts() as { config?: string }).config,
    })
  async function run(action: () => Promise<void>, brokers?: () => string[] | undefined): Promise<void> {
    try {
      await action()
    } catch (err) {
      if (err instanceof UserError || err instanceof InputFileError) fail(err.message)
      let known: string[] | undefined
      try {
        known = brokers?.()
      } catch {
        known = undefined
      }
      const { message, exitCode } = explainStartupError(err, { brokers: known })
      process.stderr.write(`vigil: ${message}\n`)
      process.exit(exitCode)
    }
  }
  return { program, config, run }
}

/** The user's input is wrong: say so and exit 2. */
export function fail(message: string): never {
  process.stderr.write(`vigil: ${message}\n`)
  process.exit(2)
}

/** `--type name=numerical|categorical` options; a malformed one exits 2. */
export function parseTypes(specs: readonly string[]): Map<string, ColumnType> {
  const types = new Map<string, ColumnType>()
  for (const t of specs) {
    const m = /^([^=]+)=(numerical|categorical)$/.exec(t)
    if (!m) fail(`--type ${t}: expected name=numerical or name=categorical`)
    types.set(m[1]!, m[2] as ColumnType)
  }
  return types
}

/** The repeatable `--type` option's collector. */
export const collect = (v: string, all: string[]) => [...all, v]
