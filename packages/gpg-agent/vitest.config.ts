import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Integration tests start real gpg-agents and gpgsm servers.
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
