import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { VigilConfig } from '@vigil/config'
import { createLogger, createMetricsRegistry } from '@vigil/observability'
import { type RunningProcess, type ServiceFactory, startProcess } from '@vigil/runtime'
import type { Kafka } from 'kafkajs'
import { createTestTopics, testKafka } from './kafka.js'
import { testConfig } from './names.js'

/**
 * Services in this process on the test broker and a fresh embedded ClickHouse, configured by the
 * `vigil.yaml` text given; the caller stops `proc`.
 */
export async function startServices(
  name: string,
  yaml: string,
  factories: readonly ServiceFactory[],
  env: Record<string, string> = {},
  options: { producerBrokers?: string[] } = {},
): Promise<{ config: VigilConfig; proc: RunningProcess; kafka: Kafka }> {
  const dir = mkdtempSync(join(tmpdir(), `vigil-${name}-`))
  writeFileSync(join(dir, 'vigil.yaml'), yaml)
  const config = testConfig({ name, env: { VIGIL_CONFIG: join(dir, 'vigil.yaml'), ...env } })
  await createTestTopics(config)
  const proc = await startProcess(config, factories, {
    log: createLogger({ name: 'test', level: config.log_level }),
    registry: createMetricsRegistry({ defaultMetrics: false }),
    ...options,
  })
  return { config, proc, kafka: testKafka(config) }
}

/**
 * The port a service of `proc` listens on, from its health detail: services started on port 0
 * (no race with other sockets for a port picked in advance) report the port they got.
 */
export function listeningPort(proc: RunningProcess, service: string): number {
  const port = proc.deps.readiness().services[service]?.detail?.port
  if (typeof port !== 'number') throw new Error(`${service} reports no port`)
  return port
}
