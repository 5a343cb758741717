// The drift service alone in its own process: config → clients → consumer loop → shutdown.
import { loadVigilConfig } from '@vigil/config'
import { explainStartupError, startUntilSignal } from '@vigil/runtime'
import { createDrift } from './service.js'

try {
  const config = loadVigilConfig({ env: process.env, cwd: process.cwd() })
  await startUntilSignal(config, [createDrift])
} catch (err) {
  const { message, exitCode } = explainStartupError(err)
  process.stderr.write(`vigil drift: ${message}\n`)
  process.exit(exitCode)
}
