import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type ClickHouse, connectClickHouse } from '@vigil/clickhouse'

/** An embedded engine in a directory of its own for one command (`name`), removed afterwards. */
export async function withScratchEngine<T>(name: string, use: (ch: ClickHouse) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), `vigil-${name}-`))
  try {
    const ch = await connectClickHouse({ database: 'default', data_dir: dir })
    try {
      return await use(ch)
    } finally {
      await ch.close()
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
