import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'

interface OpenApiDoc {
  paths: Record<
    string,
    Record<string, { responses: Record<string, { content?: Record<string, { schema?: unknown }> }> }>
  >
}

/**
 * Checks answers of the running API against its own `/openapi.json`: every JSON body must fit
 * the schema the document gives for that route and status, so the description cannot drift
 * from what the API sends.
 */
export async function openApiChecker(base: string) {
  const doc = (await (await fetch(`${base}/openapi.json`)).json()) as OpenApiDoc
  const ajv = new Ajv2020({ strict: false, allErrors: true })
  addFormats.default(ajv)
  ajv.addSchema(doc as object, 'openapi')
  const routes = Object.keys(doc.paths).map((p) => ({
    template: p,
    re: new RegExp(`^${p.replace(/\{[^}]+\}/g, '[^/]+')}$`),
  }))
  const pointer = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1')
  let checked = 0
  return {
    /** `METHOD template` of every operation with a JSON success answer: what a run should have seen. */
    operations(): string[] {
      return Object.entries(doc.paths).flatMap(([template, ops]) =>
        Object.entries(ops)
          .filter(([, op]) =>
            Object.entries(op.responses).some(
              ([st, r]) => st.startsWith('2') && r.content?.['application/json'],
            ),
          )
          .map(([m]) => `${m.toUpperCase()} ${template}`),
      )
    },
    /** Throws when the body does not fit; returns the route template it was checked against. */
    check(method: string, url: string, status: number, body: unknown): string {
      const path = new URL(url, base).pathname
      const route = routes.find((r) => r.re.test(path))
      if (!route) {
        // A path the API does not serve: a JSON 404 that says so, like every error.
        const error = (body as { error?: unknown } | null)?.error
        if (status === 404 && typeof error === 'string') return '(not found)'
        throw new Error(`${method} ${path}: not in /openapi.json, answered ${status}`)
      }
      const op = doc.paths[route.template]?.[method.toLowerCase()]
      const response = op?.responses[String(status)]
      if (!response) throw new Error(`${method} ${route.template}: status ${status} is not described`)
      if (!response.content?.['application/json']?.schema)
        throw new Error(`${method} ${route.template} ${status}: no JSON schema described`)
      const ref = `openapi#/paths/${pointer(route.template)}/${method.toLowerCase()}/responses/${status}/content/${pointer('application/json')}/schema`
      const validate = ajv.getSchema(ref)
      if (!validate) throw new Error(`cannot resolve ${ref}`)
      if (!validate(body))
        throw new Error(
          `${method} ${route.template} ${status}: the body does not fit /openapi.json: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body).slice(0, 500)}`,
        )
      checked++
      return `${method.toUpperCase()} ${route.template}`
    },
    checked: () => checked,
  }
}
