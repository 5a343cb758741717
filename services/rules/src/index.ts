export { createRules, type RulesDeps } from './service.js'
