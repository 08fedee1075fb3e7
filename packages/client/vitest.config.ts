import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // The tests start a gateway with real backends (pkcs11js: a process per file).
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
