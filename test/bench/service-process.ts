// A vigil service in its own process for the fleet benchmark (service-runner.ts), with its CPU.
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { VigilConfig } from '@vigil/config'
import { testConfig } from '@vigil/testing'
import { finished, tsxLoader } from '../e2e/processes.js'
import type { OutcomeSpread } from './outcome-rows.js'

export const HOUR = 3_600_000
const runner = fileURLToPath(new URL('./service-runner.ts', import.meta.url))

export function setup(name: string, window: number): VigilConfig {
  const config = testConfig({
    name,
    dataDir: mkdtempSync(join(tmpdir(), `vigil-${name}-`)),
    env: { LOG_LEVEL: 'warn' },
  })
  return {
    ...config,
    models: { '*': { window, allowed_lateness: 30_000, idle_timeout: HOUR } },
  }
}

/** CPU seconds (user + system) a process has used so far. */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return (Number(fields[11]) + Number(fields[12])) / 100
}

/**
 * Starts `name` in its own process; `ready` resolves once it has stored `prefill`'s outcomes
 * (outcomes `from` ≤ i < `to`, see outcome-rows.ts) and runs.
 */
export function startService(
  name: string,
  config: VigilConfig,
  prefill?: OutcomeSpread & { from: number; to: number },
): { child: ChildProcess; exit: ReturnType<typeof finished>; ready: Promise<void> } {
  const path = join(config.clickhouse.data_dir, `${name}.config.json`)
  writeFileSync(path, JSON.stringify(config))
  const prefillPath = join(config.clickhouse.data_dir, `${name}.prefill.json`)
  if (prefill) writeFileSync(prefillPath, JSON.stringify(prefill))
  const child = spawn(
    process.execPath,
    [
      ...(process.env.BENCH_PROF ? ['--cpu-prof', '--cpu-prof-dir=/tmp/prof'] : []),
      // As deployed (deploy/Dockerfile).
      '--max-semi-space-size=32',
      '--conditions=@vigil/source',
      '--import',
      tsxLoader,
      runner,
      name,
      path,
      ...(prefill ? [prefillPath] : []),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  const exit = finished(child)
  const ready = new Promise<void>((resolve, reject) => {
    let seen = ''
    child.stdout!.on('data', (d: Buffer) => {
      seen += d.toString()
      if (seen.includes('ready\n')) resolve()
    })
    void exit.then((out) =>
      reject(new Error(`${name} exited before it was ready:\n${out.stderr.slice(-3000)}`)),
    )
  })
  return { child, exit, ready }
}

export async function stopService(s: ReturnType<typeof startService>) {
  s.child.kill('SIGTERM')
  const out = await s.exit
  if (out.code !== 0) throw new Error(`service exited ${out.code ?? out.signal}:\n${out.stderr.slice(-3000)}`)
  return JSON.parse(out.stdout.trim().split('\n').at(-1)!) as {
    insertedRows: number
    insertedBytes: number
    /** Seconds and calls per ClickHouse query or insert (`insert.<table>`). */
    queries: Record<string, { seconds: number; calls: number }>
  }
}
