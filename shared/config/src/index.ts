export {
  type AlertingConfig,
  type Condition,
  formatCondition,
  type MetricFamily,
  parseCondition,
  RULE_METRICS,
  type Rule,
  type WebhookConfig,
} from './alerting.js'
export { durationSetting, parseDuration } from './duration.js'
export { BoolEnv, CsvEnv, parseEnv } from './env.js'
export { ConfigError, type ConfigProblem, formatProblem } from './errors.js'
export {
  type ApiScope,
  DEFAULT_MODEL_CONFIG,
  type DriftThresholdSettings,
  loadVigilConfig,
  type ModelConfig,
  modelConfig,
  type VigilConfig,
  type VigilFile,
  vigilEnvSchema,
  vigilFileSchema,
} from './vigil.js'
export { loadYamlFile, parseYaml } from './yaml.js'
