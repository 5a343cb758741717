export { createJoiner, type JoinerDeps } from './service.js'
