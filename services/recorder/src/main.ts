// The recorder alone in its own process: config → clients → consumer loop → shutdown on signal.
// `vigil start` runs it together with the other services in one process instead.
import { loadVigilConfig } from '@vigil/config'
import { explainStartupError, startUntilSignal } from '@vigil/runtime'
import { createRecorder } from './service.js'

try {
  const config = loadVigilConfig({ env: process.env, cwd: process.cwd() })
  await startUntilSignal(config, [createRecorder])
} catch (err) {
  const { message, exitCode } = explainStartupError(err)
  process.stderr.write(`vigil recorder: ${message}\n`)
  process.exit(exitCode)
}
