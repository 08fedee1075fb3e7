import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Unit tests; the client against a real gateway is tested in apps/gateway/test/client.
    include: ['src/**/*.test.ts'],
  },
});
