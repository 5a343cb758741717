export { createApi } from './service.js'
