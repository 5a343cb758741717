export { createRecorder, type RecorderDeps } from './service.js'
