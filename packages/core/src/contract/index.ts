export * from './algorithms.js';
export type * from './call-options.js';
export type * from './capabilities.js';
export * from './errors.js';
export type * from './keys.js';
export type * from './provider.js';
export type * from './requests.js';
export * from './secrets.js';
