import type { SecretSource } from '@keyroute/core';
import type { ValidationPolicy } from '../staging/validate.js';

/** Options of {@link createOpenPgpProvider}. */
export interface OpenPgpProviderOptions {
  /** Provider id (default `openpgp`). */
  readonly id?: string;
  /** The keystore folder: `public/<FPR>.asc`, `secret/<FPR>.asc`, `staging/` (created if missing). */
  readonly dir: string;
  /** Supplies passphrases of protected secret keys (`kind: 'passphrase'`, `key`: fingerprint). */
  readonly secrets?: SecretSource;
  /** How long an unlocked secret key stays in memory, in ms (default 300 000; 0: not kept). */
  readonly unlockTtlMs?: number;
  /** Limit for one call, in ms (default 30 000) → `TIMEOUT`. */
  readonly timeoutMs?: number;
  /** Largest plaintext `decrypt` returns from an OpenPGP message (default 64 MiB). */
  readonly maxDecryptedBytes?: number;
  /** Policy for staged certificates and for recipients of `encrypt`. */
  readonly policy?: ValidationPolicy;
}

/** The option names a config may carry (for the adapter's unknown-key check). */
export const OPENPGP_OPTION_NAMES = [
  'id',
  'dir',
  'secrets',
  'unlockTtlMs',
  'timeoutMs',
  'maxDecryptedBytes',
  'policy',
] as const satisfies readonly (keyof OpenPgpProviderOptions)[];
