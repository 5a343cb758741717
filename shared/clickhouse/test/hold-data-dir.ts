// Opens the embedded engine on argv[2] and holds it for argv[3] ms, printing "open" once it
// holds it; on failure prints the error message and exits 1. Used to test a second process.
import { connectClickHouse } from '../src/client.js'

const [dataDir, holdMs] = [process.argv[2]!, Number(process.argv[3] ?? 0)]
try {
  const ch = await connectClickHouse({ database: 'default', data_dir: dataDir })
  process.stdout.write('open\n')
  await new Promise((r) => setTimeout(r, holdMs))
  await ch.close()
} catch (err) {
  process.stdout.write(`${(err as Error).message}\n`)
  process.exit(1)
}
