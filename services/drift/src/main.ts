// The drift service alone in its own process: config → clients → consumer loop → shutdown.
import { loadVigilConfig } from '@vigil/config'
import { explainStartupError, onShutdownSignal, startProcess } from '@vigil/runtime'
import { createDrift } from './service.js'

try {
  const config = loadVigilConfig({ env: process.env, cwd: process.cwd() })
  const proc = await startProcess(config, [createDrift])
  onShutdownSignal(proc.deps.log, () => proc.stop())
} catch (err) {
  const { message, exitCode } = explainStartupError(err)
  process.stderr.write(`vigil drift: ${message}\n`)
  process.exit(exitCode)
}
