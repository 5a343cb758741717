export { BoolEnv, CsvEnv, parseEnv } from './env.js'
export { ConfigError, type ConfigProblem, formatProblem } from './errors.js'
export {
  loadVigilConfig,
  type VigilConfig,
  type VigilFile,
  vigilEnvSchema,
  vigilFileSchema,
} from './vigil.js'
export { loadYamlFile, parseYaml } from './yaml.js'
