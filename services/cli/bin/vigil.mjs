#!/usr/bin/env node
// The `vigil` command runs the TypeScript sources through tsx, resolving the workspace packages
// to their sources (the @vigil/source export condition). Signals pass through to the child.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const main = fileURLToPath(new URL('../src/main.ts', import.meta.url))
// tsx by absolute URL: `--import tsx` would resolve it from the user's working directory.
const tsx = import.meta.resolve('tsx')
// --max-semi-space-size: as in deploy/Dockerfile (fewer young-generation collections).
const child = spawn(
  process.execPath,
  ['--max-semi-space-size=32', '--conditions=@vigil/source', '--import', tsx, main, ...process.argv.slice(2)],
  {
    stdio: 'inherit',
  },
)
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal))
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)))
