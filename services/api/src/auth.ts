import { createHash, timingSafeEqual } from 'node:crypto'
import type { ApiScope } from '@vigil/config'

export interface ApiToken {
  name: string
  scopes: readonly ApiScope[]
  token: string
}

export type Authorization = { ok: true; name: string } | { ok: false; status: 401 | 403; error: string }

const digest = (text: string) => createHash('sha256').update(text).digest()

/**
 * Checks `Authorization: Bearer <token>` against the configured tokens. Digests of equal length
 * are compared in constant time against every token, so timing says nothing about a near miss.
 * The configured tokens are digested once, not on every request.
 */
export function createAuthorizer(tokens: readonly ApiToken[]) {
  const known = tokens.map((t) => ({ token: t, digest: digest(t.token) }))
  return (header: string | undefined, scope: ApiScope): Authorization => {
    const presented = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1]
    if (!presented)
      return { ok: false, status: 401, error: 'missing bearer token: send Authorization: Bearer <token>' }
    const mine = digest(presented)
    let match: ApiToken | undefined
    for (const k of known) if (timingSafeEqual(mine, k.digest) && !match) match = k.token
    if (!match) return { ok: false, status: 401, error: 'unknown bearer token' }
    if (!match.scopes.includes(scope))
      return {
        ok: false,
        status: 403,
        error: `token "${match.name}" lacks the ${scope} scope (it has ${match.scopes.join(', ')})`,
      }
    return { ok: true, name: match.name }
  }
}
