export { sign } from './channels/http.js'
export { createRules, type RulesDeps } from './service.js'
export { type AlertChange, evaluateMessage } from './steps/evaluate.js'
