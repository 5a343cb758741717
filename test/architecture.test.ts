import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

// Ownership, enforced: a service package exports only its createX; what two processes need lives
// in shared/. Only the CLI (`vigil start` composes the services) and tests may import services,
// and then only their createX.

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const read = (p: string) => readFileSync(join(ROOT, p), 'utf8')
const dirs = (p: string) => readdirSync(join(ROOT, p)).filter((d) => statSync(join(ROOT, p, d)).isDirectory())
const manifest = (dir: string) =>
  JSON.parse(read(`${dir}/package.json`)) as {
    name: string
    dependencies?: Record<string, string>
    devDependencies?: Record<string, string>
  }

const SERVICES = dirs('services').map((d) => ({ dir: `services/${d}`, ...manifest(`services/${d}`) }))
const SERVICE_NAMES = new Set(SERVICES.filter((s) => s.name.startsWith('@vigil/')).map((s) => s.name))
const COMPOSER = 'vigil' // services/cli

function sources(dir: string): string[] {
  const out: string[] = []
  for (const e of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name === 'dist') continue
    const p = `${dir}/${e.name}`
    if (e.isDirectory()) out.push(...sources(p))
    else if (/\.ts$/.test(e.name)) out.push(p)
  }
  return out
}

/** `import { a, type B } from '@vigil/x'` statements of a file: the module and the names. */
function imports(file: string): { module: string; names: string[] }[] {
  const text = read(file)
  return [...text.matchAll(/import\s+(type\s+)?\{([^}]*)\}\s+from\s+'(@vigil\/[^']+)'/g)].map((m) => ({
    module: m[3]!,
    names: m[2]!
      .split(',')
      .map((n) => n.trim().replace(/^type\s+/, ''))
      .filter(Boolean),
  }))
}

describe('architecture', () => {
  it('no package under services/ depends on another service, except the CLI that composes them', () => {
    const found = SERVICES.filter((s) => s.name !== COMPOSER).flatMap((s) =>
      Object.keys(s.dependencies ?? {})
        .filter((d) => SERVICE_NAMES.has(d) && d !== s.name)
        .map((d) => `${s.name} depends on ${d}`),
    )
    expect(found).toEqual([])
  })

  it('no shared package depends on a service', () => {
    const found = dirs('shared').flatMap((d) => {
      const m = manifest(`shared/${d}`)
      return Object.keys({ ...m.dependencies, ...m.devDependencies })
        .filter((n) => SERVICE_NAMES.has(n))
        .map((n) => `${m.name} depends on ${n}`)
    })
    expect(found).toEqual([])
  })

  it("each service's entry point exports only its createX (and the type of its deps)", () => {
    const found = SERVICES.filter((s) => s.name !== COMPOSER).flatMap((s) => {
      const text = read(`${s.dir}/src/index.ts`)
      const names = [...text.matchAll(/export\s+(?:type\s+)?\{([^}]*)\}/g)].flatMap((m) =>
        m[1]!.split(',').map((n) => n.trim().replace(/^type\s+/, '')),
      )
      return names
        .filter((n) => n && !/^create[A-Z]\w*$/.test(n) && !/Deps$/.test(n))
        .map((n) => `${s.name}: ${n}`)
    })
    expect(found).toEqual([])
  })

  it('code imports only createX from a service; @vigil/rules/bench only from benchmarks', () => {
    const all = [
      ...dirs('services').flatMap((d) => sources(`services/${d}`)),
      ...dirs('shared').flatMap((d) => sources(`shared/${d}`)),
      ...sources('test'),
    ]
    const found: string[] = []
    for (const file of all) {
      for (const { module, names } of imports(file)) {
        const service = module.replace(/^(@vigil\/[^/]+).*$/, '$1')
        if (!SERVICE_NAMES.has(service)) continue
        const owner = SERVICES.find((s) => s.name === service)!
        if (file.startsWith(`${owner.dir}/`)) continue // a service's own tests
        if (module === '@vigil/rules/bench' && file.startsWith('test/bench/')) continue
        if (module !== service) found.push(`${relative(ROOT, join(ROOT, file))}: deep import ${module}`)
        for (const n of names) if (!/^create[A-Z]\w*$/.test(n)) found.push(`${file}: ${n} from ${module}`)
      }
    }
    expect(found).toEqual([])
  })

  it('services read ClickHouse through named queries, not unchecked queryRows', () => {
    const found = dirs('services')
      .flatMap((d) => sources(`services/${d}/src`))
      .filter((f) => !f.endsWith('.test.ts'))
      .filter((f) =>
        imports(f).some((i) => i.module === '@vigil/clickhouse' && i.names.includes('queryRows')),
      )
    expect(found).toEqual([])
  })
})
