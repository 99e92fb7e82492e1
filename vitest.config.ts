import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'playground/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // --expose-gc lets the memory test measure retained heap after a full collection.
    poolOptions: { forks: { execArgv: ['--expose-gc'] } },
  },
});
