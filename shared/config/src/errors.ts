/** A problem in configuration, located well enough for a person to fix it. */
export interface ConfigProblem {
  /** File path, or `environment` for environment variables. */
  source: string
  line?: number
  column?: number
  /** Dotted path of the setting, e.g. `kafka.brokers[0]`. */
  path: string
  reason: string
}

export function formatProblem(p: ConfigProblem): string {
  const where = p.line === undefined ? p.source : `${p.source}:${p.line}${p.column ? `:${p.column}` : ''}`
  return p.path ? `${where}: ${p.path}: ${p.reason}` : `${where}: ${p.reason}`
}

/** Thrown at start when configuration is invalid; the message lists every problem, one a line. */
export class ConfigError extends Error {
  readonly problems: ConfigProblem[]
  constructor(problems: ConfigProblem[]) {
    super(`invalid configuration:\n${problems.map((p) => `  ${formatProblem(p)}`).join('\n')}`)
    this.name = 'ConfigError'
    this.problems = problems
  }
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = ''
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`
    else out += out ? `.${String(key)}` : String(key)
  }
  return out
}
