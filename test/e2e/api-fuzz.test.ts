import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { createApi } from '@vigil/api'
import { createRecorder } from '@vigil/recorder'
import { listeningPort, startServices } from '@vigil/testing'
import { describe, expect, it } from 'vitest'
import { finished } from './processes.js'

// Schemathesis generates requests from /openapi.json (examples, boundary values, random and
// invalid data, and sequences that follow the API's links) and sends them to the API on the real
// broker and engine, with a token that may do everything, so requests reach the handlers.
describe('the HTTP API under requests generated from its OpenAPI description', () => {
  it('answers no 5xx, and every 4xx with a JSON error body', async () => {
    const token = 'fuzz-token-0123456789'
    const yaml = `api:
  port: 0
  max_body_bytes: 200000
  tokens:
    - { name: fuzzer, token_env: API_TOKEN_FUZZ, scopes: [ingest, read, admin] }
`
    const { proc } = await startServices('fuzz', yaml, [createRecorder, createApi], { API_TOKEN_FUZZ: token })
    const port = listeningPort(proc, 'api')
    try {
      const script = fileURLToPath(new URL('../fuzz/schemathesis.sh', import.meta.url))
      const child = spawn(
        'bash',
        [
          script,
          `http://127.0.0.1:${port}/openapi.json`,
          '--header',
          `Authorization: Bearer ${token}`,
          '--checks',
          'not_a_server_error,error_has_json_body',
          '--max-examples',
          '40',
          '--seed',
          '20261201',
          '--no-shrink',
          // No example database: each run starts from the seed alone.
          '--generation-database',
          'none',
          '--max-failures',
          '20',
        ],
        { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } },
      )
      const out = await finished(child)
      const summary = out.stdout.split('\n').filter((l) => /generated|Tested:|failed|Seed/.test(l))
      process.stdout.write(`schemathesis: ${summary.map((l) => l.trim()).join(' | ')}\n`)
      expect(out.code, `${out.stdout.slice(-6000)}\n${out.stderr.slice(-2000)}`).toBe(0)
      expect(out.stdout).toMatch(/Tested: 25\b/)
      expect(out.stdout).toMatch(/(\d+) generated, \1 passed/)
    } finally {
      await proc.stop()
    }
  }, 600_000)
})
