/**
 * `@keyroute/testbed`: throw-away backends for keyroute's tests and benchmarks. Every factory
 * creates its own `mkdtemp` directory, starts only daemons it can stop by pid, and returns an
 * object whose idempotent `[Symbol.asyncDispose]()` stops them and removes the directory:
 *
 * ```ts
 * await using home = await createGpgHome({ keys: [{ name: 'ed', primary: 'ed25519' }] });
 * ```
 */
export { requireTool } from './tools.js';
export { DEFAULT_GPG_KEYS } from './gpg-keys.js';
export type { GpgKeySpec, GpgKeyType } from './gpg-keys.js';
export { createGpgHome } from './gpg-home.js';
export type { GpgHome, GpgHomeOptions, GpgTestKey } from './gpg-home.js';
export { createSoftHsmToken, DEFAULT_SOFTHSM_KEYS } from './softhsm-token.js';
export type {
  SoftHsmKeySpec,
  SoftHsmToken,
  SoftHsmTokenKey,
  SoftHsmTokenOptions,
} from './softhsm-token.js';
export { createOpenPgpKeyFolder, DEFAULT_OPENPGP_KEYS } from './openpgp-folder.js';
export type {
  OpenPgpFolderKey,
  OpenPgpFolderKeySpec,
  OpenPgpKeyFolder,
  OpenPgpKeyFolderOptions,
} from './openpgp-folder.js';
export { requireP11KitModule, startP11KitServer } from './p11-kit.js';
export type { P11KitModuleName, P11KitServer, P11KitServerOptions } from './p11-kit.js';
