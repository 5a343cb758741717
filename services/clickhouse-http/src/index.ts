export { createClickHouseHttp } from './service.js'
