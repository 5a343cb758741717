// Analysts for `npm run bench:api`, in a process of their own so that their requests do not
// share the event loop that times the ingest: waves of CONCURRENCY read-only SQL queries at once
// until DURATION seconds have passed; prints one JSON line of counts.
//   node sql-load.ts <url> <token> <concurrency> <seconds> <query>
const [url, token, concurrency, seconds, query] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
]
const counts = { ok: 0, tooMany: 0, refused: 0, slowestMs: 0 }
const end = performance.now() + Number(seconds) * 1000
while (performance.now() < end) {
  await Promise.all(
    Array.from({ length: Number(concurrency) }, async () => {
      const t = performance.now()
      const res = await fetch(`${url}/v1/sql`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ query }),
      })
      await res.arrayBuffer()
      counts.slowestMs = Math.max(counts.slowestMs, performance.now() - t)
      if (res.status === 200) counts.ok++
      else if (res.status === 429) counts.tooMany++
      else counts.refused++
    }),
  )
  await new Promise((r) => setTimeout(r, 100))
}
process.stdout.write(`${JSON.stringify(counts)}\n`)
