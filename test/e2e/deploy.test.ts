import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { parse, parseAllDocuments } from 'yaml'

// What a platform team deploys, checked without Docker or a cluster: the compose file parses
// and every vigil container runs a command that exists, probed on /readyz; the image's entry
// point is what the build makes; the Helm chart lints and renders a Deployment per service.

const root = fileURLToPath(new URL('../..', import.meta.url))
const deploy = (path: string) => `${root}deploy/${path}`

/** The services `vigil start` knows, as its help lists them. */
const SERVICES = (
  execFileSync(process.execPath, [`${root}services/cli/bin/vigil.mjs`, 'start', '--help'], {
    encoding: 'utf8',
  })
    .split('services to run:')[1]
    ?.split(/\n\s*\n/)[0] ?? ''
)
  .split(',')
  .map((s) => s.trim())

interface ComposeService {
  command?: string[]
  image?: string
  healthcheck?: { test?: string[]; disable?: boolean }
  volumes?: string[]
}

describe('deploy/', () => {
  it('compose.yaml: every vigil container runs an existing command, probed on /readyz', () => {
    const compose = parse(readFileSync(deploy('compose.yaml'), 'utf8'), { merge: true }) as {
      services: Record<string, ComposeService>
    }
    const vigil = Object.entries(compose.services).filter(([, s]) => s.image === 'vigil:local')
    const started = vigil.flatMap(([, s]) => (s.command?.[0] === 'start' ? s.command.slice(1) : []))
    expect(started.sort()).toEqual(SERVICES.filter((s) => s !== 'clickhouse-http').sort())
    for (const [name, s] of vigil) {
      expect(['start', 'migrate'], name).toContain(s.command?.[0])
      if (s.command?.[0] === 'start') expect(s.healthcheck?.test?.join(' '), name).toContain('/readyz')
    }
    // The files it mounts are in the repository.
    for (const s of Object.values(compose.services))
      for (const v of s.volumes ?? []) {
        const source = v.split(':')[0]!
        if (source.startsWith('./')) expect(existsSync(deploy(source)), v).toBe(true)
      }
  })

  it("the Dockerfile's entry point is the built CLI", () => {
    const dockerfile = readFileSync(deploy('Dockerfile'), 'utf8')
    const entry = /^ENTRYPOINT \["node", "([^"]+)"\]$/m.exec(dockerfile)?.[1]
    expect(entry).toBe('services/cli/dist/src/main.js')
    // npm test builds every workspace (tsc -b) before the tests run.
    expect(existsSync(`${root}${entry}`)).toBe(true)
    expect(dockerfile).toMatch(/^USER node$/m)
    expect(dockerfile).toMatch(/^ENV NODE_OPTIONS=--max-semi-space-size=32$/m)
    expect(dockerfile).toMatch(/npm ci --omit=dev/)
  })

  it('the Helm chart lints and renders a Deployment per service, and ScaledObjects on lag', () => {
    const helm = execFileSync('bash', [deploy('local/helm.sh')], {
      encoding: 'utf8',
      timeout: 900_000,
    }).trim()
    const chart = deploy('helm/vigil')
    execFileSync(helm, ['lint', chart, '--strict'], { encoding: 'utf8' })
    const render = (...args: string[]) =>
      parseAllDocuments(execFileSync(helm, ['template', 'demo', chart, ...args], { encoding: 'utf8' }))
        .map(
          (d) =>
            d.toJS() as { kind: string; metadata: { name: string }; spec: Record<string, unknown> } | null,
        )
        .filter((d) => d !== null)
    const docs = render()
    const deployments = docs.filter((d) => d.kind === 'Deployment')
    const values = parse(readFileSync(`${chart}/values.yaml`, 'utf8')) as {
      services: Record<string, unknown>
    }
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual(
      Object.keys(values.services)
        .map((s) => `demo-vigil-${s}`)
        .sort(),
    )
    for (const d of deployments) {
      const container = (
        d.spec as { template: { spec: { containers: { args: string[]; readinessProbe: unknown }[] } } }
      ).template.spec.containers[0]!
      expect(SERVICES).toContain(container.args[1])
      expect(container.readinessProbe).toMatchObject({ httpGet: { path: '/readyz' } })
    }
    expect(docs.map((d) => d.kind)).toEqual(expect.arrayContaining(['ConfigMap', 'Secret', 'Service', 'Job']))
    const scaled = render('--set', 'autoscaling.enabled=true').filter((d) => d.kind === 'ScaledObject')
    expect(scaled.map((d) => d.metadata.name).sort()).toEqual(
      ['drift', 'fairness', 'ingest', 'joiner', 'performance', 'recorder'].map((s) => `demo-vigil-${s}`),
    )
  }, 900_000)
})
