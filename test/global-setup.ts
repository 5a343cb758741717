import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

// Integration tests need the real broker: start it (or reuse a running one) once for the run,
// and stop it afterwards only if this run started it.
const script = fileURLToPath(new URL('../deploy/local/kafka.sh', import.meta.url))

export default function setup(): () => void {
  const out = execFileSync('bash', [script, 'start'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const startedHere = out.trim().split('\n').at(-1) === 'started'
  return () => {
    if (startedHere) execFileSync('bash', [script, 'stop'], { stdio: 'inherit' })
  }
}
