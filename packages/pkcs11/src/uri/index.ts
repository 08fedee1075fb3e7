/**
 * `@keyroute/pkcs11/uri` — RFC 7512 PKCS #11 URIs: parse, format, redact and match.
 *
 * Pure and synchronous: no I/O and no native module, so configuration code, logs and the
 * gateway can handle `pkcs11:` URIs without loading a PKCS #11 module.
 *
 * - {@link parsePkcs11Uri} turns `pkcs11:token=…;object=…?pin-source=…` into a {@link Pkcs11Uri}.
 * - {@link formatPkcs11Uri} writes one back in canonical form (`pin-value` left out by default).
 * - {@link redactPkcs11Uri} hides the PIN of any URI string, parsable or not, for logs.
 * - {@link matchesModule}, {@link matchesSlot}, {@link matchesToken} and {@link matchesObject}
 *   decide whether a module, slot, token or object is one the URI designates.
 *
 * Errors are `ProviderError`s with code `INVALID_INPUT`; their messages never contain a PIN.
 */
export type { Pkcs11ObjectType, Pkcs11Uri, Pkcs11VendorAttribute, Pkcs11Version } from './types.js';
export { PKCS11_OBJECT_TYPES } from './types.js';
export type { Pkcs11PathAttributeName, Pkcs11QueryAttributeName } from './attributes.js';
export {
  PKCS11_PATH_ATTRIBUTE_NAMES,
  PKCS11_QUERY_ATTRIBUTE_NAMES,
  PKCS11_VENDOR_ATTRIBUTE_PREFIX,
  isPkcs11PathAttributeName,
  isPkcs11QueryAttributeName,
  isPkcs11VendorAttributeName,
} from './attributes.js';
export type { Pkcs11UriComponent } from './percent.js';
export {
  percentDecodeBytes,
  percentDecodeText,
  percentEncodeBytes,
  percentEncodeText,
} from './percent.js';
export type { ParsePkcs11UriOptions } from './parse.js';
export { parsePkcs11Uri } from './parse.js';
export type { FormatPkcs11UriOptions } from './format.js';
export { REDACTED_VALUE, formatPkcs11Uri, redactPkcs11Uri } from './format.js';
export type {
  ModuleDescription,
  ObjectDescription,
  SlotDescription,
  TokenDescription,
} from './match.js';
export {
  hasObjectAttributes,
  hasTokenAttributes,
  matchesModule,
  matchesObject,
  matchesSlot,
  matchesToken,
} from './match.js';
