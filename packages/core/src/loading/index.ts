export * from './load-provider.js';
export * from './provider-spec.js';
