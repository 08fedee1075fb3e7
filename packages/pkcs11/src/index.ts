/**
 * `@keyroute/pkcs11` — a keyroute provider over PKCS#11 tokens and HSMs (pkcs11js), built to
 * run for weeks inside a gateway: modules loaded once per process with `CKF_OS_LOCKING_OK`,
 * tokens chosen by RFC 7512 URI and followed across slots and re-insertion, one login per
 * token, a bounded session pool with one operation per session, token work on libuv's thread
 * pool through pkcs11js `*Async` calls.
 *
 * Importing this module does not load the native addon: the first provider does.
 */
export { createPkcs11Provider, type Pkcs11Provider } from './provider/provider.js';
export { PKCS11_OPTION_NAMES, type Pkcs11ProviderOptions } from './provider/options.js';
export { createProvider } from './provider/adapter.js';
export { errorCodeOfReturnValue, toProviderError, type FailureContext } from './errors.js';
export { CKR, returnCodeName } from './native/return-codes.js';
export {
  acquireModule,
  loadedModules,
  type LoadedModule,
  type ModuleUser,
} from './module/module-registry.js';
export type { ModuleInfo } from './module/module-info.js';
export { SessionPool, isPoolClosedError, type SessionPoolOptions } from './session/session-pool.js';
export type { TokenDetails } from './token/token-details.js';
export type { TokenStatus } from './token/token-binding.js';
export * from './uri/index.js';
