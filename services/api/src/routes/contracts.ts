import { type EventSchemaName, loadEventSchema } from '@vigil/schemas'

/**
 * The event contracts (schemas/events, JSON Schema 2020-12) as OpenAPI 3.1 components, so the API
 * description and the validator read the same file. Their local `#/$defs/x` references are
 * renamed into components of their own, and `$id` dropped: inside the OpenAPI document it would
 * move the base that the references resolve against.
 */
export function contractComponents(
  name: string,
  file: EventSchemaName,
): Record<string, Record<string, unknown>> {
  const {
    $schema: _s,
    $id: _id,
    $defs,
    ...schema
  } = loadEventSchema(file) as Record<string, unknown> & {
    $defs?: Record<string, unknown>
  }
  const rename = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(rename)
    if (value && typeof value === 'object')
      return Object.fromEntries(
        Object.entries(value).map(([k, v]) =>
          k === '$ref' && typeof v === 'string' && v.startsWith('#/$defs/')
            ? [k, `#/components/schemas/${name}_${v.slice('#/$defs/'.length)}`]
            : [k, rename(v)],
        ),
      )
    return value
  }
  const components: Record<string, Record<string, unknown>> = {
    [name]: rename(schema) as Record<string, unknown>,
  }
  for (const [k, v] of Object.entries($defs ?? {}))
    components[`${name}_${k}`] = rename(v) as Record<string, unknown>
  return components
}
