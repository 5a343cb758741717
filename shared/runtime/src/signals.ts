import type { Logger } from '@vigil/observability'

/**
 * Calls `shutdown` once on the first SIGTERM or SIGINT; a second signal exits at once.
 * Returns a function that removes the handlers.
 */
export function onShutdownSignal(log: Logger, shutdown: (signal: string) => Promise<void>): () => void {
  let received = false
  const handler = (signal: NodeJS.Signals) => {
    if (received) {
      log.warn({ signal }, 'second signal: exiting without a clean shutdown')
      process.exit(130)
    }
    received = true
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
