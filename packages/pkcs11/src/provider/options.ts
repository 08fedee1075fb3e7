import type { HashAlgorithm, SecretSource } from '@keyroute/core';

/** Options of {@link createPkcs11Provider}. */
export interface Pkcs11ProviderOptions {
  /** Provider id (default `pkcs11`). */
  readonly id?: string;
  /** Absolute path of the PKCS#11 module (`/usr/lib/softhsm/libsofthsm2.so`). */
  readonly module?: string;
  /**
   * RFC 7512 URI naming exactly one token by its token attributes (`pkcs11:token=keyroute`,
   * `pkcs11:serial=…`); `pkcs11:` alone when the module has one token. `module-path` in its
   * query may stand in for `module`; `pin-value`/`pin-source` are refused (use `secrets`).
   */
  readonly token?: string;
  /** Supplies the user PIN (`kind: 'pin'`, `key`: the token label). */
  readonly secrets?: SecretSource;
  /** Most sessions to keep open on the token (default 8; never above the token's maximum). */
  readonly poolSize?: number;
  /** Limit for one call, in milliseconds (default 30 000) → `TIMEOUT`. */
  readonly timeoutMs?: number;
  /** How often to check the token is still in its slot, in ms (default 5 000; 0 turns it off). */
  readonly rescanIntervalMs?: number;
  /** OAEP hashes the module accepts (default: `sha1` for SoftHSM, which refuses others; sha1–sha512 for others). */
  readonly oaepHashes?: readonly HashAlgorithm[];
  /** Offer RSA PKCS#1 v1.5 decryption (default false: padding-oracle risk). */
  readonly allowPkcs1v15Decrypt?: boolean;
}

/** The option names a config may carry (for the adapter's unknown-key check). */
export const PKCS11_OPTION_NAMES = [
  'id',
  'module',
  'token',
  'secrets',
  'poolSize',
  'timeoutMs',
  'rescanIntervalMs',
  'oaepHashes',
  'allowPkcs1v15Decrypt',
] as const satisfies readonly (keyof Pkcs11ProviderOptions)[];
