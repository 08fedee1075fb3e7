/**
 * @keyroute/core — the provider contract and what every adapter shares.
 *
 * Importing this module loads no adapter and no native module: adapters are loaded by
 * `loadProvider` with a dynamic import, only when a configuration names them.
 */
export * from './contract/index.js';
export * from './identity/index.js';
export * from './keys/index.js';
export * from './loading/index.js';
export * from './router/index.js';
export * from './software/index.js';
export * from './util/abort.js';
export * from './util/deadline.js';
