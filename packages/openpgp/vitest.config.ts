import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Interop tests start gpg-agents and generate RSA keys.
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
