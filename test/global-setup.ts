import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

// Integration tests need the real broker: start it (or reuse a running one) once for the run,
// and stop it afterwards only if this run started it.
const script = fileURLToPath(new URL('../deploy/local/kafka.sh', import.meta.url))
const prune = fileURLToPath(new URL('../deploy/local/kafka-prune.mjs', import.meta.url))

export default function setup(): () => void {
  const out = execFileSync('bash', [script, 'start'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const startedHere = out.trim().split('\n').at(-1) === 'started'
  // The topics this run creates are deleted at its end (those that were there before are kept):
  // a broker that keeps every run's topics soon takes minutes to start.
  const broker = `127.0.0.1:${process.env.KAFKA_PORT ?? 9092}`
  const dir = mkdtempSync(join(tmpdir(), 'vigil-topics-'))
  const before = join(dir, 'before')
  writeFileSync(before, execFileSync('node', [prune, broker, '--list'], { encoding: 'utf8' }))
  return () => {
    try {
      execFileSync('node', [prune, broker, '--keep', before], { stdio: 'inherit', timeout: 120_000 })
    } catch {
      // Left for `kafka.sh prune`; not a reason to fail a run whose tests passed.
    }
    rmSync(dir, { recursive: true, force: true })
    if (startedHere) execFileSync('bash', [script, 'stop'], { stdio: 'inherit' })
  }
}
