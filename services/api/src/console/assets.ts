import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'

// The console's files: its script, bundled from TypeScript on first use (esbuild, tens of
// milliseconds), its stylesheet, and the Vega and Vega-Lite builds the charts run on. Each is
// kept in memory with its gzip form and a content hash for its URL, so a browser caches it for good.

export interface Asset {
  body: Buffer
  gzip: Buffer
  type: string
  /** The first 12 hex digits of its SHA-256: the URL's version. */
  hash: string
}

export interface ConsoleAssets {
  /** By file name as the page links it: console.js, console.css, vega.js, vega-lite.js. */
  files: Map<string, Asset>
}

const here = fileURLToPath(new URL('.', import.meta.url))
/** The package's root: this module runs from src/console (source) or dist/src/console (built). */
const packageRoot = join(here, here.includes(`${'/'}dist${'/'}`) ? '../../..' : '../..')
const consoleDir = join(packageRoot, 'console')
const fromSource = import.meta.url.endsWith('.ts')

function asset(body: Buffer, type: string): Asset {
  return {
    body,
    gzip: gzipSync(body),
    type,
    hash: createHash('sha256').update(body).digest('hex').slice(0, 12),
  }
}

async function bundleScript(): Promise<Buffer> {
  // Loaded here, not at the top: a process that never serves the console never loads esbuild.
  const esbuild = await import('esbuild')
  const out = await esbuild.build({
    entryPoints: [join(consoleDir, 'main.ts')],
    bundle: true,
    format: 'esm',
    target: 'es2022',
    minify: true,
    write: false,
    logLevel: 'silent',
    // From source, workspace packages resolve to their TypeScript; built, to their dist.
    conditions: fromSource ? ['@vigil/source'] : [],
    tsconfig: join(consoleDir, 'tsconfig.json'),
  })
  const file = out.outputFiles[0]
  if (!file) throw new Error('esbuild produced no console script')
  return Buffer.from(file.contents)
}

/** A file of a package's build directory, found through the package's entry point. */
async function packageBuild(pkg: string, file: string): Promise<Buffer> {
  const entry = createRequire(import.meta.url).resolve(pkg)
  return readFile(join(dirname(entry), file))
}

let loading: Promise<ConsoleAssets> | undefined

/** The console's files, built once per process on first use. */
export function consoleAssets(): Promise<ConsoleAssets> {
  loading ??= (async () => {
    const [js, css, vega, vegaLite] = await Promise.all([
      bundleScript(),
      readFile(join(consoleDir, 'console.css')),
      packageBuild('vega', 'vega.min.js'),
      packageBuild('vega-lite', 'vega-lite.min.js'),
    ])
    const files = new Map<string, Asset>([
      ['console.js', asset(js, 'text/javascript; charset=utf-8')],
      ['console.css', asset(css, 'text/css; charset=utf-8')],
      ['vega.js', asset(vega, 'text/javascript; charset=utf-8')],
      ['vega-lite.js', asset(vegaLite, 'text/javascript; charset=utf-8')],
    ])
    return { files }
  })()
  // A failed build is retried on the next request rather than remembered.
  loading.catch(() => {
    loading = undefined
  })
  return loading
}
