/**
 * `@keyroute/openpgp` — a keyroute provider over OpenPGP keys kept as files (openpgp.js): no
 * daemon, no native code; the gateway's embedded default keystore. Also the keystore itself
 * (atomic, multi-process safe), staged import with validation, and HKP import.
 */
export { createOpenPgpProvider, type OpenPgpProvider } from './provider/provider.js';
export { OPENPGP_OPTION_NAMES, type OpenPgpProviderOptions } from './provider/options.js';
export { openPgpCapabilities } from './provider/capabilities.js';
export { describeCertificate, type OpenPgpKeyRecord } from './keys/describe-key.js';
export { privateKeyObjectOf, rawPublicKeyOf, spkiOf } from './keys/material.js';
export { createProvider } from './provider/adapter.js';
export { generateOpenPgpKey, type GenerateKeyOptions } from './keys/generate-key.js';
export * from './keystore/index.js';
export * from './staging/index.js';
export * from './hkp/index.js';
