import type { Logger } from '@vigil/observability'

/**
 * Calls `shutdown` once on the first SIGTERM or SIGINT; a second signal exits at once.
 * A signal sent to the whole process group (Ctrl-C, `timeout`) can arrive twice through a
 * wrapper, so repeats within `graceMs` of the first count as the same request.
 * Returns a function that removes the handlers.
 */
export function onShutdownSignal(
  log: Logger,
  shutdown: (signal: string) => Promise<void>,
  graceMs = 2000,
): () => void {
  let receivedAt = 0
  const handler = (signal: NodeJS.Signals) => {
    if (receivedAt > 0) {
      if (Date.now() - receivedAt < graceMs) return
      log.warn({ signal }, 'second signal: exiting without a clean shutdown')
      process.exit(130)
    }
    receivedAt = Date.now()
    log.info({ signal }, 'shutting down: stop fetching, flush, commit, close')
    shutdown(signal).then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'shutdown failed')
        process.exit(1)
      },
    )
  }
  process.on('SIGTERM', handler)
  process.on('SIGINT', handler)
  return () => {
    process.off('SIGTERM', handler)
    process.off('SIGINT', handler)
  }
}
