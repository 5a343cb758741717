import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { VIGIL_JSON_SCHEMA_FILE, vigilJsonSchema } from './json-schema.js'

describe('schemas/vigil.schema.json', () => {
  it('is the JSON Schema of the zod schema that checks vigil.yaml (regenerate with json-schema.ts)', () => {
    expect(JSON.parse(readFileSync(VIGIL_JSON_SCHEMA_FILE, 'utf8'))).toEqual(vigilJsonSchema())
  })
})
