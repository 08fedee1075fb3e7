import {
  createMemoryProvider,
  describeProviderConformance,
  generateMemoryKeys,
} from '../../src/testing/index.js';

describeProviderConformance({
  name: 'memory reference provider',
  create: async () => ({
    provider: createMemoryProvider({ keys: await generateMemoryKeys(), latencyMs: 5 }),
  }),
});
