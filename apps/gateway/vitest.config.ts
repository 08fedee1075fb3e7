import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // End-to-end tests start gateways with real backends (pkcs11js: a process per file).
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
