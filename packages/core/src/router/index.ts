export type { ProviderStatus } from './key-index.js';
export { createRouter, type ResolvedKey, type Router, type RouterOptions } from './router.js';
