export { type MetricFamily, RULE_METRICS } from '@vigil/stats'
export {
  type AlertingConfig,
  type Condition,
  formatCondition,
  parseCondition,
  type Rule,
  type WebhookConfig,
} from './alerting.js'
export {
  type AddressPolicy,
  type Channel,
  checkChannels,
  parseTarget,
  RefusedAddressError,
  resolveAllowed,
} from './channels.js'
export { durationSetting, parseDuration } from './duration.js'
export { BoolEnv, CsvEnv, parseEnv } from './env.js'
export { ConfigError, type ConfigProblem, formatProblem } from './errors.js'
export {
  DEFAULT_MODEL_CONFIG,
  type DriftThresholdSettings,
  type ExplainedSetting,
  explainModel,
  featureThresholds,
  type IngestMapping,
  type ModelConfig,
  type ModelSettingsInput,
  modelConfig,
  type PairBy,
  type SettingSource,
} from './models.js'
export {
  type ApiScope,
  explainConfig,
  loadVigilConfig,
  type VigilConfig,
  type VigilFile,
  vigilEnvSchema,
  vigilFileSchema,
} from './vigil.js'
export { loadYamlFile, parseYaml } from './yaml.js'
