import { defineConfig } from 'vitest/config'

// Pure tests (`*.test.ts`) and tests on the real broker and engine (`*.int.test.ts`, test/e2e)
// are separate projects: `vitest run --project unit` needs no infrastructure.
// Each test file runs in its own process (forks): the embedded ClickHouse allows one data
// directory per process, so every file gets its own.
export default defineConfig({
  resolve: { conditions: ['@vigil/source'] },
  ssr: { resolve: { conditions: ['@vigil/source'] } },
  test: {
    pool: 'forks',
    reporters: ['default', './test/summary-reporter.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: [
            '{shared,services,schemas}/*/src/**/*.test.ts',
            'schemas/src/**/*.test.ts',
            'test/*.test.ts',
          ],
          exclude: ['**/*.int.test.ts', '**/node_modules/**'],
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['{shared,services}/*/{src,test}/**/*.int.test.ts', 'test/e2e/**/*.test.ts'],
          globalSetup: ['test/global-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 120_000,
          // 2 cores, one broker: integration files run one at a time.
          fileParallelism: false,
        },
      },
    ],
  },
})
