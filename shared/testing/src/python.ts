import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const root = fileURLToPath(new URL('../../..', import.meta.url))

/**
 * The Python of a git-ignored virtualenv `deploy/local/<name>`, made on first use by
 * test/bench/python-venv.sh's ensure_venv: `pip` arguments are installed from PyPI unless
 * `import <imports>` already works there.
 */
export async function pythonVenv(name: string, imports: string, ...pip: string[]): Promise<string> {
  const venv = `${root}deploy/local/${name}`
  await promisify(execFile)(
    'bash',
    ['-c', 'source test/bench/python-venv.sh && ensure_venv "$@"', 'python-venv', venv, imports, ...pip],
    { cwd: root, timeout: 240_000 },
  )
  return `${venv}/bin/python`
}
