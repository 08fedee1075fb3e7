import { createRequire } from 'node:module';
import { ProviderError } from '@keyroute/core';
import type * as Pkcs11Js from 'pkcs11js';

/** The pkcs11js module (the native addon and its constants). */
export type Pkcs11JsModule = typeof Pkcs11Js;

let loaded: Pkcs11JsModule | undefined;

/**
 * Loads the pkcs11js native addon on first use, so that importing `@keyroute/pkcs11` (for its
 * URI functions, say) never loads native code.
 *
 * @throws ProviderError `UNAVAILABLE` naming what to install when the addon cannot load.
 */
export function loadPkcs11Js(): Pkcs11JsModule {
  if (loaded !== undefined) return loaded;
  try {
    loaded = createRequire(import.meta.url)('pkcs11js') as Pkcs11JsModule;
    return loaded;
  } catch (error) {
    throw new ProviderError(
      'UNAVAILABLE',
      'the pkcs11js native addon did not load: run "npm install pkcs11js" with a C++ toolchain ' +
        '(Debian: apt-get install python3 make g++) and Node headers (.npmrc nodedir=/usr)',
      { cause: error },
    );
  }
}
