import { z } from 'zod'
import { durationSetting } from './duration.js'

const positiveInt = z.number().int().positive()
const probability = z.number().min(0).max(1)

/** The drift thresholds a model or one of its features can set. */
const thresholdFields = {
  small_sample: positiveInt,
  p_value: probability,
  wasserstein_norm: z.number().positive(),
  jensen_shannon: probability,
}
const featureThresholdsSchema = z.strictObject(thresholdFields).partial()

const referenceSchema = z
  .strictObject({
    kind: z.enum(['baseline', 'first', 'previous', 'range']),
    version: z.string().min(1).optional(),
    from: z.iso
      .datetime({ offset: true })
      .transform((t) => Date.parse(t))
      .optional(),
    to: z.iso
      .datetime({ offset: true })
      .transform((t) => Date.parse(t))
      .optional(),
  })
  .refine((r) => r.kind !== 'range' || (r.from !== undefined && r.to !== undefined && r.from < r.to), {
    message: 'a range reference needs from and to (RFC 3339), from before to',
  })

/** An output of the response: its name, and the element of a vector output when it is one. */
const outputRef = z.strictObject({
  output: z.string().min(1),
  index: z.number().int().min(0).optional(),
})

/**
 * How a serving stack's request and response bodies become this model's prediction events
 * (docs/integrations.md): the body format, names for positional input columns, which inputs are
 * features, and which outputs are the predicted label, score, class probabilities or value.
 */
const ingestSchema = z
  .strictObject({
    format: z.enum(['oip-v2', 'kserve-v1', 'mlflow', 'seldon']),
    /** Names of an input's columns when the request sends rows as arrays (a [N, F] tensor, `instances: [[…]]`). */
    columns: z.array(z.string().min(1)).min(1).optional(),
    /** The request fields that are features; absent: every one. */
    features: z.array(z.string().min(1)).min(1).optional(),
    label: outputRef.optional(),
    score: outputRef.optional(),
    /** A vector output whose elements are the probabilities of `classes`, or an output that maps class → probability. */
    probabilities: z
      .strictObject({ output: z.string().min(1), classes: z.array(z.string().min(1)).min(2).optional() })
      .optional(),
    value: outputRef.optional(),
    /**
     * The events' attributes (segments, sensitive attributes), each from a request field
     * (`input`), a CloudEvents extension (`extension`: `namespace`, `endpoint`, …) or a header
     * KServe's logger passes in its `metadata` extension (`metadata`: the header's name).
     */
    attributes: z
      .record(
        z.string().min(1),
        z.union([
          z.strictObject({ input: z.string().min(1) }),
          z.strictObject({ extension: z.string().min(1) }),
          z.strictObject({ metadata: z.string().min(1) }),
        ]),
      )
      .optional(),
    /**
     * What pairs a request with its response when the CloudEvent id does not (a proxy that sets
     * its own per half): a header KServe's logger passes in its `metadata` extension, a
     * CloudEvents extension, or a JSON pointer (RFC 6901) into both bodies (`/id` in the Open
     * Inference Protocol). Seldon's `requestid` extension, when present, is used first.
     */
    pair_by: z
      .union([
        z.strictObject({ metadata: z.string().min(1) }),
        z.strictObject({ extension: z.string().regex(/^[a-z0-9]{1,20}$/, 'a CloudEvents extension name') }),
        z.strictObject({ pointer: z.string().regex(/^(\/[^/]*)+$/, 'a JSON pointer such as /id') }),
      ])
      .optional(),
    /**
     * Seldon Core 2: read the model's `<prefix>.<namespace>.model.<model>.inputs|outputs` topics
     * (protobuf Open Inference Protocol v2, paired by message key) besides CloudEvents.
     */
    seldon: z
      .strictObject({
        namespace: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'a Kubernetes namespace'),
        /** The Seldon model's name; absent: the vigil model id. */
        model: z.string().min(1).optional(),
        /** Seldon's topic prefix (its `kafka.topicPrefix`). */
        prefix: z.string().min(1).default('seldon'),
      })
      .optional(),
  })
  .refine((m) => m.label ?? m.score ?? m.probabilities ?? m.value, {
    message: 'ingest names no output: set at least one of label, score, probabilities, value',
  })
  .refine((m) => !m.seldon || m.format === 'oip-v2', {
    message: "Seldon Core 2's topics carry Open Inference Protocol v2: set format: oip-v2",
    path: ['format'],
  })

/**
 * One model's monitoring settings. The defaults written here are the built-in ones; a model's
 * effective settings are these ← `"*"` ← the model's own, merged per field ({@link modelConfig}).
 */
export const modelSchema = z.strictObject({
  window: durationSetting(60_000, 86_400_000).default(3_600_000),
  allowed_lateness: durationSetting(0, 7 * 86_400_000).default(300_000),
  /** Wall time without events after which a quiet model's open windows close. */
  idle_timeout: durationSetting(1000, 86_400_000).default(120_000),
  /** Declared feature types; others are inferred (numbers numerical, strings and booleans categorical). */
  features: z.record(z.string(), z.enum(['numerical', 'categorical'])).default({}),
  /**
   * `baseline`: uploaded with `vigil baseline create` (else the first window), the baseline of
   * `version` when set, else of the window's own model version; `first`: the first complete
   * window; `previous`: the previous window; `range`: the model's own traffic between `from` and
   * `to` (epoch milliseconds once read), read from the predictions table at start.
   */
  reference: referenceSchema.default({ kind: 'baseline' }),
  drift: z
    .strictObject({
      small_sample: thresholdFields.small_sample.default(1000),
      p_value: thresholdFields.p_value.default(0.05),
      wasserstein_norm: thresholdFields.wasserstein_norm.default(0.1),
      jensen_shannon: thresholdFields.jensen_shannon.default(0.1),
      /** Per feature: thresholds that override the model's for that feature. */
      features: z.record(z.string(), featureThresholdsSchema).default({}),
    })
    .prefault({}),
  /** Inferred from the labels when absent: numbers → regression, else classification. */
  task: z.enum(['binary', 'multiclass', 'regression']).optional(),
  /** Binary task: the class that counts as positive (a selection, for fairness). */
  positive_class: z.string().min(1).optional(),
  /** Segments in the events' `attributes` to measure fairness over, each against its reference group. */
  sensitive_attributes: z
    .record(z.string(), z.strictObject({ reference_group: z.string().min(1) }))
    .default({}),
  /** Zero-code ingestion: how this model's serving requests and responses become prediction events. */
  ingest: ingestSchema.optional(),
})

/** A model's effective settings. */
export type ModelConfig = z.output<typeof modelSchema>
/** A model's settings as written in vigil.yaml (under its id or `"*"`): every key optional. */
export type ModelSettingsInput = z.input<typeof modelSchema>
export type DriftThresholdSettings = Omit<ModelConfig['drift'], 'features'>
/** How a model's serving bodies become prediction events. */
export type IngestMapping = NonNullable<ModelConfig['ingest']>
/** What pairs a model's request and response halves, when not the CloudEvent id. */
export type PairBy = NonNullable<IngestMapping['pair_by']>

/** The built-in settings of every model. */
export const DEFAULT_MODEL_CONFIG: ModelConfig = modelSchema.parse({})

/** Settings replaced whole, not merged key by key: a reference, and a body mapping, are one choice each. */
const ATOMIC = new Set(['reference', 'ingest'])

type Plain = Record<string, unknown>
const isPlain = (v: unknown): v is Plain => typeof v === 'object' && v !== null && !Array.isArray(v)

/** `over` on top of `base`, object by object; arrays and atomic settings are replaced whole. */
function mergeSettings(base: Plain, over: Plain, path = ''): Plain {
  const out: Plain = { ...base }
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue
    const p = path ? `${path}.${k}` : k
    const b = out[k]
    out[k] = isPlain(v) && isPlain(b) && !ATOMIC.has(p) ? mergeSettings(b, v, p) : v
  }
  return out
}

const resolved = new WeakMap<object, Map<string, ModelConfig>>()

/**
 * A model's effective settings: the built-in defaults ← `"*"` ← the model's own, merged per
 * field (a model that sets one drift threshold keeps every other one `"*"` sets); a feature's
 * thresholds come on top with {@link featureThresholds}.
 * @example modelConfig(config, 'fraud-detector').window // 3600000
 */
export function modelConfig(
  config: { models: Record<string, ModelSettingsInput> },
  modelId: string,
): ModelConfig {
  let byId = resolved.get(config.models)
  if (!byId) {
    byId = new Map()
    resolved.set(config.models, byId)
  }
  let m = byId.get(modelId)
  if (!m) {
    const merged = mergeSettings(
      (config.models['*'] ?? {}) as Plain,
      (modelId === '*' ? {} : (config.models[modelId] ?? {})) as Plain,
    )
    m = modelSchema.parse(merged)
    byId.set(modelId, m)
  }
  return m
}

/** The drift thresholds of one feature: the model's, with the feature's own on top. */
export function featureThresholds(model: ModelConfig, feature: string): DriftThresholdSettings {
  const { features, ...own } = model.drift
  return { ...own, ...features[feature] }
}

export type SettingSource = 'default' | '"*"' | 'model' | 'file' | 'environment'
export interface ExplainedSetting {
  /** Dotted path, as in vigil.yaml. */
  path: string
  value: unknown
  source: SettingSource
}

function lookup(obj: unknown, path: readonly string[]): unknown {
  let cur = obj
  for (const k of path) {
    if (!isPlain(cur)) return undefined
    cur = cur[k]
  }
  return cur
}

/** Leaves of a settings object as dotted paths; atomic settings are one leaf. */
export function leaves(value: unknown, path: string[] = []): { path: string[]; value: unknown }[] {
  if (!isPlain(value) || ATOMIC.has(path.join('.'))) return path.length ? [{ path, value }] : []
  const out: { path: string[]; value: unknown }[] = []
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined) continue
    if (isPlain(v) && Object.keys(v).length === 0) out.push({ path: [...path, k], value: v })
    else out.push(...leaves(v, [...path, k]))
  }
  return out
}

/**
 * Every effective setting of a model with where it came from, per-feature drift thresholds
 * spelled out for each feature that sets one: what `vigil config show --model` prints.
 */
export function explainModel(
  config: { models: Record<string, ModelSettingsInput> },
  modelId: string,
): ExplainedSetting[] {
  const own = modelId === '*' ? undefined : config.models[modelId]
  const star = config.models['*']
  const sourceOf = (path: string[]): SettingSource =>
    lookup(own, path) !== undefined ? 'model' : lookup(star, path) !== undefined ? '"*"' : 'default'
  const effective = modelConfig(config, modelId)
  const { features: perFeature, ...modelThresholds } = effective.drift
  const out: ExplainedSetting[] = []
  for (const leaf of leaves({ ...effective, drift: modelThresholds })) {
    out.push({ path: leaf.path.join('.'), value: leaf.value, source: sourceOf(leaf.path) })
  }
  for (const feature of Object.keys(perFeature).sort()) {
    for (const name of Object.keys(modelThresholds) as (keyof DriftThresholdSettings)[]) {
      const path = ['drift', 'features', feature, name]
      const set = perFeature[feature]?.[name] !== undefined
      out.push({
        path: path.join('.'),
        value: featureThresholds(effective, feature)[name],
        source: set ? sourceOf(path) : sourceOf(['drift', name]),
      })
    }
  }
  return out
}
