import type { ClickHouse } from '@vigil/clickhouse'

/**
 * ClickHouse refusing writes while reads work, injected at the client boundary (the insert call of
 * `@clickhouse/client`), as a full disk or a read-only replica would: every insert fails until
 * `restore()`. `refused()` counts the inserts turned away.
 * @example const outage = refuseWrites(proc.deps.ch); …; outage.restore()
 */
export function refuseWrites(ch: ClickHouse) {
  const client = ch.client
  const insert = client.insert.bind(client)
  let refusing = true
  let refused = 0
  client.insert = ((args: Parameters<typeof insert>[0]) => {
    if (!refusing) return insert(args)
    refused++
    return Promise.reject(new Error('injected: ClickHouse refuses writes'))
  }) as typeof client.insert
  return {
    refused: () => refused,
    restore() {
      refusing = false
    },
  }
}
