// schemas/vigil.schema.json is generated from the zod schema that checks vigil.yaml, so editors can
// validate the file as it is typed; the test in json-schema.test.ts keeps the two equal.
// Regenerate: npx tsx --conditions=@vigil/source shared/config/src/json-schema.ts
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { z } from 'zod'
import { vigilFileSchema } from './vigil.js'

export const VIGIL_JSON_SCHEMA_FILE = fileURLToPath(
  new URL('../../../schemas/vigil.schema.json', import.meta.url),
)

/** The JSON Schema of vigil.yaml as written (durations as text or milliseconds). */
export function vigilJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(vigilFileSchema, {
    io: 'input',
    unrepresentable: 'any',
    // api.sql.max_threads defaults to a quarter of this machine's cores: no fixed default to publish.
    override: ({ jsonSchema, path }) => {
      if (path.join('.').endsWith('sql.properties.max_threads')) delete jsonSchema.default
    },
  })
  return {
    ...schema,
    $id: 'https://vigil.dev/schemas/vigil.schema.json',
    title: 'vigil.yaml',
    description:
      'Models, rules and alerting of vigil (docs/alerts.md, README). Cross-checks (rule targets name configured webhooks, unique rule names) are made by `vigil rules check`.',
  }
}

export function vigilJsonSchemaText(): string {
  return `${JSON.stringify(vigilJsonSchema(), null, 2)}\n`
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(VIGIL_JSON_SCHEMA_FILE, vigilJsonSchemaText())
  process.stdout.write(`wrote ${VIGIL_JSON_SCHEMA_FILE}\n`)
}
