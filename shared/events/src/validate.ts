import { type EventSchemaName, loadEventSchema } from '@vigil/schemas'
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js'
import addFormatsModule from 'ajv-formats'
import type {
  AlertEvent,
  EventKind,
  LabelEvent,
  MetricsMessage,
  OutcomeEvent,
  PredictionEvent,
  Result,
  WebhookBody,
} from './types.js'

type AnyEvent = PredictionEvent | LabelEvent | MetricsMessage | OutcomeEvent | AlertEvent | WebhookBody

// ajv-formats is CommonJS; under NodeNext its plugin function is the `.default` of the module object.
const addFormats = addFormatsModule.default

/** The largest event a parser takes unless told otherwise, bytes. */
export const DEFAULT_MAX_EVENT_BYTES = 256 * 1024

/** The schema_version values this build reads. */
export const SUPPORTED_SCHEMA_VERSIONS = [1] as const

const SCHEMAS: Record<EventKind, EventSchemaName> = {
  prediction: 'prediction.v1',
  label: 'label.v1',
  metrics: 'metrics.v1',
  outcome: 'outcome.v1',
  // What vigil sends out: checked by the tests on everything the services emit.
  alert: 'alert.v1',
  webhook: 'webhook.v1',
}

export interface EventParser<T> {
  /** Bytes from Kafka or HTTP → a valid event, or the reason it is not one. */
  parse(bytes: Buffer | string): Result<T>
  /** An already-parsed value → a valid event, or the reason. */
  check(value: unknown): Result<T>
}

/**
 * Builds the validator for one event kind from the JSON Schema in schemas/events.
 * Checks, in order: size, JSON syntax (naming NaN/Infinity), schema_version, the schema, finiteness.
 * @example const parsePrediction = createEventParser('prediction', { maxBytes: 262144 })
 */
export function createEventParser(
  kind: 'prediction',
  options?: { maxBytes?: number },
): EventParser<PredictionEvent>
export function createEventParser(kind: 'label', options?: { maxBytes?: number }): EventParser<LabelEvent>
export function createEventParser(
  kind: 'metrics',
  options?: { maxBytes?: number },
): EventParser<MetricsMessage>
export function createEventParser(kind: 'outcome', options?: { maxBytes?: number }): EventParser<OutcomeEvent>
export function createEventParser(kind: 'alert', options?: { maxBytes?: number }): EventParser<AlertEvent>
export function createEventParser(kind: 'webhook', options?: { maxBytes?: number }): EventParser<WebhookBody>
export function createEventParser(
  kind: EventKind,
  { maxBytes = DEFAULT_MAX_EVENT_BYTES }: { maxBytes?: number } = {},
): EventParser<AnyEvent> {
  // Two compilations of one schema: the fast one stops at the first error and decides; the
  // thorough one runs only for an invalid event, to list what is wrong with it.
  const compile = (allErrors: boolean) => {
    const ajv = new Ajv2020({ allErrors, strict: true, allowUnionTypes: true })
    addFormats(ajv, ['date-time'])
    return ajv.compile(loadEventSchema(SCHEMAS[kind]))
  }
  const isValid = compile(false)
  const validate = compile(true)

  function check(value: unknown): Result<AnyEvent> {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return {
        ok: false,
        code: 'not_object',
        reason: `a ${kind} event must be a JSON object, got ${describe(value)}`,
      }
    }
    const version = (value as Record<string, unknown>).schema_version
    if (version === undefined)
      return { ok: false, code: 'schema_version', reason: 'schema_version is missing' }
    if (!(SUPPORTED_SCHEMA_VERSIONS as readonly unknown[]).includes(version)) {
      return {
        ok: false,
        code: 'schema_version',
        reason: `unknown schema_version ${JSON.stringify(version)}; this vigil reads ${SUPPORTED_SCHEMA_VERSIONS.join(', ')}`,
      }
    }
    const nonFinite = hasNonFinite(value) ? nonFinitePath(value, '') : undefined
    if (nonFinite !== undefined)
      return { ok: false, code: 'non_finite', reason: `${nonFinite || '/'}: numbers must be finite` }
    if (!isValid(value) && !validate(value)) return { ok: false, code: 'schema', reason: explain(validate) }
    // The date-time format checks the shape; a shape like 2026-02-31 still needs a real date.
    for (const field of ['timestamp', 'window_start', 'window_end']) {
      const text = (value as Record<string, unknown>)[field]
      if (typeof text === 'string' && Number.isNaN(Date.parse(text))) {
        return { ok: false, code: 'schema', reason: `/${field}: not a real date` }
      }
    }
    return { ok: true, value: value as AnyEvent }
  }

  function parse(bytes: Buffer | string): Result<AnyEvent> {
    const size = typeof bytes === 'string' ? Buffer.byteLength(bytes) : bytes.length
    if (size > maxBytes)
      return {
        ok: false,
        code: 'too_large',
        reason: `event is ${size} bytes, over the ${maxBytes}-byte limit`,
      }
    if (size === 0) return { ok: false, code: 'empty', reason: 'empty message' }
    const text = typeof bytes === 'string' ? bytes : bytes.toString('utf8')
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch (err) {
      const nan = /(?<![\w"])-?(NaN|Infinity)(?![\w"])/.exec(text)
      if (nan)
        return {
          ok: false,
          code: 'invalid_json',
          reason: `invalid JSON: ${nan[0]} is not a JSON number (numbers must be finite)`,
        }
      return { ok: false, code: 'invalid_json', reason: `invalid JSON: ${(err as Error).message}` }
    }
    return check(value)
  }

  return { parse, check }
}

/** JSON numbers beyond ±1.8e308 parse to ±Infinity; the schema cannot see that. Hot path: no allocation. */
function hasNonFinite(value: unknown): boolean {
  if (typeof value === 'number') return !Number.isFinite(value)
  if (typeof value !== 'object' || value === null) return false
  if (Array.isArray(value)) return value.some(hasNonFinite)
  for (const k in value) if (hasNonFinite((value as Record<string, unknown>)[k])) return true
  return false
}

/** Where the first non-finite number is, for the reason; runs only when there is one. */
function nonFinitePath(value: unknown, path: string): string | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : path
  if (typeof value !== 'object' || value === null) return undefined
  for (const [k, v] of Object.entries(value)) {
    const found = nonFinitePath(v, `${path}/${k}`)
    if (found !== undefined) return found
  }
  return undefined
}

const MAX_REASONS = 5

/** ajv's errors as one readable line: `/features/amount: must be number, string, boolean or null; …`. */
function explain(validate: ValidateFunction): string {
  const errors = (validate.errors ?? []).filter((e) => e.keyword !== 'if')
  const seen = new Set<string>()
  const lines: string[] = []
  for (const e of errors) {
    const line = `${e.instancePath || '/'}: ${message(e)}`
    if (seen.has(line)) continue
    seen.add(line)
    lines.push(line)
  }
  const shown = lines.slice(0, MAX_REASONS)
  if (lines.length > MAX_REASONS) shown.push(`and ${lines.length - MAX_REASONS} more`)
  return shown.join('; ')
}

function message(e: ErrorObject): string {
  const p = e.params as Record<string, unknown>
  switch (e.keyword) {
    case 'required':
      return `missing required field "${String(p.missingProperty)}"`
    case 'additionalProperties':
      return `unknown field "${String(p.additionalProperty)}"`
    case 'type':
      return `must be ${String(p.type).split(',').join(' or ')}`
    case 'const':
      return `must be ${JSON.stringify(p.allowedValue)}`
    case 'format':
      return `must be an RFC 3339 ${String(p.format)} with a time zone`
    case 'pattern':
      return `must match ${String(p.pattern)}`
    case 'propertyNames':
      return `has an invalid property name "${String(p.propertyName)}"`
    default:
      return e.message ?? e.keyword
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'an array'
  return `a ${typeof v}`
}
