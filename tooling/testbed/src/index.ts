export { requireTool } from './tools.js';
export { DEFAULT_GPG_KEYS } from './gpg-keys.js';
export type { GpgKeySpec, GpgKeyType } from './gpg-keys.js';
export { createGpgHome } from './gpg-home.js';
export type { GpgHome, GpgHomeOptions, GpgTestKey } from './gpg-home.js';
