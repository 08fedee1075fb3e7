export * from './load-provider.js';
export * from './provider-spec.js';
export * from './config-options.js';
