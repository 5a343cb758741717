// The rules service alone in its own process: config → clients → consumer loop and outbox → shutdown.
import { loadVigilConfig } from '@vigil/config'
import { explainStartupError, onShutdownSignal, startProcess } from '@vigil/runtime'
import { createRules } from './service.js'

try {
  const config = loadVigilConfig({ env: process.env, cwd: process.cwd() })
  const proc = await startProcess(config, [createRules])
  onShutdownSignal(proc.deps.log, () => proc.stop())
} catch (err) {
  const { message, exitCode } = explainStartupError(err)
  process.stderr.write(`vigil rules: ${message}\n`)
  process.exit(exitCode)
}
