import { connect, createServer, type Socket } from 'node:net'
import type { ClickHouse } from '@vigil/clickhouse'
import type { VigilProducer } from '@vigil/kafka'

/**
 * ClickHouse refusing writes while reads work, injected at the client boundary (every INSERT sent
 * through `@clickhouse/client`), as a full disk or a read-only replica would: every insert fails until
 * `restore()`. `refused()` counts the inserts turned away.
 * @example const outage = refuseWrites(proc.deps.ch); …; outage.restore()
 */
export function refuseWrites(ch: ClickHouse) {
  const client = ch.client
  const insert = client.insert.bind(client)
  const exec = client.exec.bind(client)
  let refusing = true
  let refused = 0
  const refuse = () => {
    refused++
    return Promise.reject(new Error('injected: ClickHouse refuses writes'))
  }
  client.insert = ((args: Parameters<typeof insert>[0]) =>
    refusing ? refuse() : insert(args)) as typeof client.insert
  // insertRows sends the embedded engine its rows through exec (INSERT … FORMAT with a body).
  client.exec = ((args: Parameters<typeof exec>[0]) =>
    refusing && /^\s*INSERT\b/i.test(args.query) ? refuse() : exec(args)) as typeof client.exec
  return {
    refused: () => refused,
    restore() {
      refusing = false
    },
  }
}

/**
 * The broker refusing sends to some topics while others work (their partitions without a leader,
 * or fewer in-sync replicas than `min.insync.replicas`), injected at the producer's `send`: every
 * send to one of `topics` fails until `restore()`. `refused()` counts the sends turned away.
 * @example const outage = refuseSends(proc.deps.producer, [topics.predictions]); …; outage.restore()
 */
export function refuseSends(producer: VigilProducer, topics: readonly string[]) {
  const send = producer.send.bind(producer)
  let refusing = true
  let refused = 0
  producer.send = (topic, messages) => {
    if (!refusing || !topics.includes(topic)) return send(topic, messages)
    refused++
    return Promise.reject(new Error(`injected: the broker refuses sends to ${topic}`))
  }
  return {
    refused: () => refused,
    restore() {
      refusing = false
    },
  }
}

/**
 * A TCP proxy on 127.0.0.1:`listenPort` to `targetPort`, for cutting one client's connections to
 * the broker while the others work: with `deploy/local/kafka.sh`'s PROXIED listener (it listens on
 * 9095 and advertises 9094), a kafkajs client bootstrapped at 127.0.0.1:9094 keeps going through
 * the proxy. `cut()` closes every connection and resets new ones until `restore()`.
 * @example const proxy = await tcpProxy(9094, 9095); proxy.cut(); …; proxy.restore()
 */
export async function tcpProxy(listenPort: number, targetPort: number) {
  const open = new Set<Socket>()
  let cutting = false
  let refused = 0
  const server = createServer((client) => {
    if (cutting) {
      refused++
      client.resetAndDestroy()
      return
    }
    const upstream = connect(targetPort, '127.0.0.1')
    for (const s of [client, upstream]) {
      open.add(s)
      s.on('close', () => open.delete(s))
      s.on('error', () => s.destroy())
    }
    client.pipe(upstream).pipe(client)
    client.on('close', () => upstream.destroy())
    upstream.on('close', () => client.destroy())
  })
  await new Promise<void>((ok, fail) => {
    server.once('error', fail)
    server.listen(listenPort, '127.0.0.1', ok)
  })
  return {
    cut() {
      cutting = true
      for (const s of open) s.resetAndDestroy()
    },
    restore() {
      cutting = false
    },
    /** Connections reset while cut. */
    refused: () => refused,
    close: () =>
      new Promise<void>((ok) => {
        for (const s of open) s.destroy()
        server.close(() => ok())
      }),
  }
}
