import { execFile, spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { freePort, testConfig, waitFor } from '@vigil/testing'
import { describe, expect, it } from 'vitest'
import { finished } from './processes.js'

// The production build as an image holds it: the built packages (npm test has run tsc -b) copied
// without sources' node_modules, production dependencies only (`npm ci --omit=dev`, no tsx, no
// TypeScript), then `vigil start` from the compiled CLI, as the Dockerfile's entry point runs it.

const run = promisify(execFile)
const root = fileURLToPath(new URL('../..', import.meta.url))

describe('the production build', () => {
  it('installs with production dependencies only and starts every service, ready on /readyz', async () => {
    const app = mkdtempSync(join(tmpdir(), 'vigil-prod-'))
    await run(
      'bash',
      [
        '-c',
        `tar --exclude=node_modules --exclude='*.tsbuildinfo' -cf - package.json package-lock.json schemas shared services clients/typescript test/package.json | tar -xf - -C "${app}"`,
      ],
      { cwd: root },
    )
    await run('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'], {
      cwd: app,
      timeout: 600_000,
    })
    const [health, api] = [await freePort(), await freePort()]
    writeFileSync(
      join(app, 'vigil.yaml'),
      `api:\n  port: ${api}\n  tokens:\n    - { name: ops, token_env: PROD_TOKEN, scopes: [read, admin, ingest] }\n`,
    )
    const config = testConfig({ name: 'prod', dataDir: join(app, 'data') })
    const child = spawn(process.execPath, ['services/cli/dist/src/main.js', 'start'], {
      cwd: app,
      env: {
        PATH: process.env.PATH,
        KAFKA_BROKERS: config.kafka.brokers.join(','),
        KAFKA_TOPIC_PREFIX: config.kafka.topics.dlq.slice(0, -'vigil.dlq'.length),
        CLICKHOUSE_DATABASE: config.clickhouse.database,
        VIGIL_DATA_DIR: config.clickhouse.data_dir,
        VIGIL_HTTP_PORT: String(health),
        VIGIL_CONFIG: join(app, 'vigil.yaml'),
        PROD_TOKEN: 'prod-token-0123456789',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const exit = finished(child)
    const ready = await waitFor(
      async () => (await fetch(`http://127.0.0.1:${health}/readyz`).catch(() => undefined))?.ok === true,
      120_000,
      500,
    )
    expect(ready, 'ready on /readyz').toBe(true)
    const services = (
      (await (await fetch(`http://127.0.0.1:${health}/readyz`)).json()) as { services: object }
    ).services
    expect(Object.keys(services).sort()).toEqual(
      ['api', 'drift', 'fairness', 'ingest', 'joiner', 'performance', 'recorder', 'rules'].sort(),
    )
    // The console bundles its script from the built packages, without the dev dependencies.
    const script = await fetch(`http://127.0.0.1:${api}/ui/assets/console.js`)
    expect(script.status).toBe(200)
    expect((await script.text()).length).toBeGreaterThan(10_000)
    child.kill('SIGTERM')
    const stopped = await exit
    expect(stopped.code, stopped.stderr).toBe(0)
  }, 900_000)
})
