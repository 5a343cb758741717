// vigil's migrations for a ClickHouse cluster (`clickhouse.cluster`): each table becomes a
// Replicated* table on every node (`<name>_local`, ON CLUSTER, paths from the {shard} and
// {replica} macros) and a Distributed table under the table's own name, so vigil's queries and
// inserts keep naming the tables they name; Null tables and materialized views are created ON
// CLUSTER as they are. Replicated tables deduplicate inserts natively (by
// the same deduplication tokens), so retried batches stay idempotent.

export interface ClusterOptions {
  /** The cluster's name in the servers' `remote_servers`. */
  cluster: string
  /** vigil's database: the Distributed engine takes it as a literal. */
  database: string
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/

/** Splits on commas outside parentheses and quotes. */
function topLevel(text: string, separator: string): string[] {
  const parts: string[] = []
  let depth = 0
  let quote = ''
  let start = 0
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (quote) {
      if (c === '\\') i++
      else if (c === quote) quote = ''
    } else if (c === "'" || c === '"' || c === '`') quote = c
    else if (c === '(') depth++
    else if (c === ')') depth--
    else if (c === separator && depth === 0) {
      parts.push(text.slice(start, i))
      start = i + 1
    }
  }
  parts.push(text.slice(start))
  return parts.map((p) => p.trim()).filter((p) => p.length > 0)
}

/** The first column of a table's ORDER BY: rows of one sort key land on one shard, so FINAL holds. */
function shardingKey(statement: string): string {
  const m = /\bORDER BY\s+(\(([^)]*)\)|[A-Za-z_][A-Za-z0-9_]*)/i.exec(statement)
  const first = m?.[2] !== undefined ? topLevel(m[2], ',')[0] : m?.[1]
  return first ? `cityHash64(${first})` : 'rand()'
}

/** One migration statement as its cluster statements. */
export function clusterStatements(statement: string, o: ClusterOptions): string[] {
  if (!NAME.test(o.cluster))
    throw new Error(`clickhouse.cluster ${JSON.stringify(o.cluster)} is not a cluster name`)
  if (!NAME.test(o.database)) throw new Error(`database ${JSON.stringify(o.database)} is not a database name`)
  const on = `ON CLUSTER ${o.cluster}`
  const create = /^CREATE TABLE IF NOT EXISTS \{db:Identifier\}\.([A-Za-z_][A-Za-z0-9_]*)\s*\(/i.exec(
    statement,
  )
  if (create) {
    const table = create[1]!
    // A Null table keeps nothing (an insert only feeds its views): the same table on every node.
    if (/\bENGINE\s*=\s*Null\s*;?\s*$/i.test(statement))
      return [statement.replace(create[0], `CREATE TABLE IF NOT EXISTS {db:Identifier}.${table} ${on} (`)]
    const engine = /\bENGINE\s*=\s*(MergeTree|ReplacingMergeTree)(\s*\(([^)]*)\))?/i.exec(statement)
    if (!engine) throw new Error(`CREATE TABLE ${table}: no MergeTree engine to replicate`)
    const args = [
      `'/clickhouse/tables/{shard}/{database}/${table}_local'`,
      "'{replica}'",
      ...(engine[3]?.trim() ? [engine[3].trim()] : []),
    ]
    const local = statement
      .replace(create[0], `CREATE TABLE IF NOT EXISTS {db:Identifier}.${table}_local ${on} (`)
      .replace(engine[0], `ENGINE = Replicated${engine[1]}(${args.join(', ')})`)
      // Replicated tables deduplicate by replicated_deduplication_window; the other setting is for plain MergeTree.
      .replace(/\bnon_replicated_deduplication_window\s*=\s*\d+\s*,\s*/i, '')
      .replace(/,\s*non_replicated_deduplication_window\s*=\s*\d+/i, '')
      .replace(/\bSETTINGS\s+non_replicated_deduplication_window\s*=\s*\d+\s*$/i, '')
      .trim()
    const distributed = `CREATE TABLE IF NOT EXISTS {db:Identifier}.${table} ${on} AS {db:Identifier}.${table}_local
ENGINE = Distributed(${o.cluster}, ${o.database}, ${table}_local, ${shardingKey(statement)})`
    return [local, distributed]
  }
  // A view on every node, writing to the table under its own name (there: the Distributed one).
  const view = /^CREATE MATERIALIZED VIEW IF NOT EXISTS \{db:Identifier\}\.([A-Za-z_][A-Za-z0-9_]*)\s+/i.exec(
    statement,
  )
  if (view)
    return [
      statement.replace(view[0], `CREATE MATERIALIZED VIEW IF NOT EXISTS {db:Identifier}.${view[1]} ${on} `),
    ]
  const alter = /^ALTER TABLE \{db:Identifier\}\.([A-Za-z_][A-Za-z0-9_]*)\s+/i.exec(statement)
  if (alter) {
    const table = alter[1]!
    const clauses = topLevel(statement.slice(alter[0].length), ',')
    const out = [`ALTER TABLE {db:Identifier}.${table}_local ${on}\n    ${clauses.join(',\n    ')}`]
    // The Distributed table has the columns, not the indexes.
    const columns = clauses.filter((c) => /^(ADD|DROP|MODIFY|RENAME) COLUMN\b/i.test(c))
    if (columns.length) out.push(`ALTER TABLE {db:Identifier}.${table} ${on}\n    ${columns.join(',\n    ')}`)
    return out
  }
  const drop = /^DROP TABLE IF EXISTS \{db:Identifier\}\.([A-Za-z_][A-Za-z0-9_]*)\s*$/i.exec(statement)
  if (drop)
    return [
      `DROP TABLE IF EXISTS {db:Identifier}.${drop[1]} ${on} SYNC`,
      `DROP TABLE IF EXISTS {db:Identifier}.${drop[1]}_local ${on} SYNC`,
    ]
  throw new Error(`a migration statement vigil cannot run on a cluster: ${statement.slice(0, 80)}`)
}
