import type { BatchConsumer, ConsumerHealth } from '@vigil/kafka'
/** Every long-lived part of a process: started in order, stopped in reverse order. */
export interface Service {
  name: string
  start(): Promise<void>
  stop(): Promise<void>
  /** Cheap and synchronous: read by /readyz on every probe. */
  health(): ServiceHealth
}

export interface ServiceHealth {
  ready: boolean
  /** False: the service cannot recover by itself (its consumer stays down); restart the process. */
  live?: boolean
  detail?: Record<string, unknown>
}

/**
 * Starts the parts in order; if one fails, stops those already started (reverse order) and
 * rethrows. Returns a stop function that stops everything in reverse order, once.
 */
export async function startAll(parts: readonly Service[], onError: (part: Service, err: unknown) => void) {
  const started: Service[] = []
  try {
    for (const part of parts) {
      await part.start()
      started.push(part)
    }
  } catch (err) {
    await stopAll(started, onError)
    throw err
  }
  let stopping: Promise<void> | undefined
  return function stop(): Promise<void> {
    stopping ??= stopAll(started, onError)
    return stopping
  }
}

async function stopAll(
  parts: readonly Service[],
  onError: (part: Service, err: unknown) => void,
): Promise<void> {
  for (const part of [...parts].reverse()) {
    try {
      await part.stop()
    } catch (err) {
      onError(part, err)
    }
  }
}

/**
 * A service that is one batch consumer: ready while it runs, its sink is healthy and its ticks
 * (a stage's idle closes and retries) keep succeeding.
 */
export function consumerService(
  name: string,
  consumer: Pick<BatchConsumer, 'start' | 'stop'> & { health(): ConsumerHealth & { tickFailures?: number } },
): Service {
  return {
    name,
    start: () => consumer.start(),
    stop: () => consumer.stop(),
    health() {
      const h = consumer.health()
      return {
        ready: h.running && h.sinkHealthy && (h.tickFailures ?? 0) < 5,
        live: h.live,
        detail: { ...h },
      }
    },
  }
}
