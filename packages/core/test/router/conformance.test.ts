import { createRouter } from '../../src/router/router.js';
import { describeProviderConformance } from '../../src/testing/index.js';
import { createMemoryProvider, generateMemoryKeys } from '../../src/testing/memory-provider.js';

// The router is itself a Provider: it must pass the same suite as every adapter.
describeProviderConformance({
  name: 'router over two reference providers',
  create: async () => {
    const keys = await generateMemoryKeys();
    const half = Math.ceil(keys.length / 2);
    const provider = createRouter({
      id: 'router',
      refreshIntervalMs: 0,
      providers: [
        createMemoryProvider({ id: 'left', keys: keys.slice(0, half), latencyMs: 5 }),
        createMemoryProvider({ id: 'right', keys: keys.slice(half), latencyMs: 5 }),
      ],
    });
    return { provider };
  },
});
