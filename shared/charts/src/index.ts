export { toPng, toSvg } from './render.js'
export * from './specs.js'
