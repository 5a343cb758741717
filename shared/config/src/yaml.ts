import { readFileSync } from 'node:fs'
import { type Document, isMap, isNode, isPair, LineCounter, parseDocument } from 'yaml'
import type { z } from 'zod'
import { ConfigError, type ConfigProblem, formatPath } from './errors.js'

/**
 * Parses and validates a YAML file against a zod schema; every problem carries the file, line
 * and column, so a bad file stops a start with something a person can act on.
 * @example const cfg = loadYamlFile('vigil.yaml', vigilFileSchema)
 */
export function loadYamlFile<S extends z.ZodType>(file: string, schema: S): z.output<S> {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    throw new ConfigError([
      { source: file, path: '', reason: `cannot read the file (${(err as Error).message})` },
    ])
  }
  return parseYaml(text, schema, file)
}

export function parseYaml<S extends z.ZodType>(text: string, schema: S, source: string): z.output<S> {
  const read = readYaml(text, source)
  return validateYaml(read.value, schema, source, read)
}

/** A YAML file read as plain values, with what is needed to point at a path's line. */
export interface YamlRead {
  value: unknown
  locate(path: PropertyKey[]): { line?: number; column?: number }
}

/** Reads YAML text; a syntax error or a duplicate key throws {@link ConfigError} with its line. */
export function readYaml(text: string, source: string): YamlRead {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true })
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((e) => {
        const { line, col } = lineCounter.linePos(e.pos[0])
        return {
          source,
          line,
          column: col,
          path: '',
          reason: e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, ''),
        }
      }),
    )
  }
  return { value: doc.toJS() ?? {}, locate: (path) => locate(doc, path, lineCounter) }
}

/**
 * Validates `value` (the file's values, perhaps with overrides) against a zod schema; every
 * problem carries the file and, when `read` is given, the line and column of the setting.
 */
export function validateYaml<S extends z.ZodType>(
  value: unknown,
  schema: S,
  source: string,
  read?: YamlRead,
): z.output<S> {
  const result = schema.safeParse(value)
  if (result.success) return result.data
  throw new ConfigError(
    result.error.issues.map((issue): ConfigProblem => {
      const path = [...issue.path]
      // An unknown key is reported on its parent; point at the key itself instead.
      if (issue.code === 'unrecognized_keys' && issue.keys.length > 0) path.push(issue.keys[0]!)
      const pos = read?.locate(path) ?? {}
      const reason =
        issue.code === 'unrecognized_keys' ? `unknown setting (${issue.keys.join(', ')})` : issue.message
      return { source, ...pos, path: formatPath(path), reason }
    }),
  )
}

/** Line and column of the deepest node that exists on `path` (the parent of a missing key). */
function locate(doc: Document, path: PropertyKey[], lc: LineCounter): { line?: number; column?: number } {
  for (let n = path.length; n >= 0; n--) {
    const sub = path.slice(0, n)
    // A key's own position reads better than its value's for "unknown setting" and "missing".
    const parent = n > 0 ? doc.getIn(sub.slice(0, -1), true) : undefined
    if (isMap(parent)) {
      const pair = parent.items.find(
        (it) => isPair(it) && isNode(it.key) && String(it.key.toJSON()) === String(sub.at(-1)),
      )
      if (pair && isNode(pair.key) && pair.key.range) return pos(lc, pair.key.range[0])
    }
    const node = sub.length === 0 ? doc.contents : doc.getIn(sub, true)
    if (isNode(node) && node.range) return pos(lc, node.range[0])
  }
  return {}
}

function pos(lc: LineCounter, offset: number): { line: number; column: number } {
  const { line, col } = lc.linePos(offset)
  return { line, column: col }
}
