// For `npm run bench:rules` only: the pure evaluation of one metrics message against the rules,
// measured without Kafka or ClickHouse. Not an API of the service (that is createRules alone).
export { type AlertChange, evaluateMessage } from './steps/evaluate.js'
