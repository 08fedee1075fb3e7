import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Integration tests start real gpg-agents and gpgsm servers.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // One file at a time: several agents, gpgsm imports and openssl runs in parallel on a 2-core
    // machine made the gpgsm import test time-sensitive (seen once under full load).
    fileParallelism: false,
  },
});
