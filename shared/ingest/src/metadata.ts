import type { Scalar } from './rows.js'

/** KServe's `metadata` extension: the logged headers as JSON, each a value or a list of them. */
export function metadataHeader(extensions: Record<string, unknown>, name: string): Scalar | undefined {
  const raw = extensions.metadata
  let headers: unknown = raw
  if (typeof raw === 'string')
    try {
      headers = JSON.parse(raw)
    } catch {
      return undefined
    }
  if (typeof headers !== 'object' || headers === null) return undefined
  const entry = Object.entries(headers).find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1]
  const v = Array.isArray(entry) ? entry[0] : entry
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : undefined
}
