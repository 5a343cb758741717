// The rules service alone in its own process: config → clients → consumer loop and outbox → shutdown.
import { loadVigilConfig } from '@vigil/config'
import { explainStartupError, startUntilSignal } from '@vigil/runtime'
import { createRules } from './service.js'

try {
  const config = loadVigilConfig({ env: process.env, cwd: process.cwd() })
  await startUntilSignal(config, [createRules])
} catch (err) {
  const { message, exitCode } = explainStartupError(err)
  process.stderr.write(`vigil rules: ${message}\n`)
  process.exit(exitCode)
}
