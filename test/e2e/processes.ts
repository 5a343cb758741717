import { type ChildProcess, spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { VigilConfig } from '@vigil/config'

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url))
const cli = fileURLToPath(new URL('../../services/cli/src/main.ts', import.meta.url))
// Absolute, so that a child started in another working directory still finds the loader.
export const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href

/** The environment that makes a child vigil process use the same topics, database and data dir as `config`. */
export function envFor(config: VigilConfig, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const prefix = config.kafka.topics.dlq.slice(0, -'vigil.dlq'.length)
  return {
    ...process.env,
    KAFKA_BROKERS: config.kafka.brokers.join(','),
    KAFKA_TOPIC_PREFIX: prefix,
    CLICKHOUSE_DATABASE: config.clickhouse.database,
    VIGIL_DATA_DIR: config.clickhouse.data_dir,
    VIGIL_HTTP_PORT: '0',
    DRIFT_BATCH_MAX_WAIT_MS: String(config.drift.batch_max_wait_ms),
    LOG_LEVEL: 'warn',
    ...extra,
  }
}

/** Runs `vigil <args>` from the sources in a child process (the real CLI, as a user runs it). */
export function spawnVigil(args: string[], env: NodeJS.ProcessEnv, cwd = repoRoot): ChildProcess {
  return spawn(process.execPath, ['--conditions=@vigil/source', '--import', tsxLoader, cli, ...args], {
    env,
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
}

export interface Finished {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

/** Collects a child's output and resolves when it exits. */
export function finished(child: ChildProcess): Promise<Finished> {
  let stdout = ''
  let stderr = ''
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()))
  return new Promise((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, stdout, stderr })),
  )
}

/**
 * Collects a child's output until it matches `pattern` (resolves with what came so far); rejects
 * if the child exits first or the time runs out, with the output, so the failure says why.
 */
export function untilOutput(
  child: ChildProcess,
  pattern: RegExp,
  timeoutMs: number,
): Promise<{ stdout: string; stderr: string }> {
  let stdout = ''
  let stderr = ''
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(`no ${pattern} within ${timeoutMs} ms`), timeoutMs)
    const fail = (why: string) => {
      clearTimeout(timer)
      reject(new Error(`${why}\n--- stdout\n${stdout}\n--- stderr\n${stderr}`))
    }
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()))
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString()
      if (pattern.test(stdout)) {
        clearTimeout(timer)
        resolve({ stdout, stderr })
      }
    })
    child.once('exit', (code) => fail(`exited with ${code} before ${pattern}`))
  })
}
