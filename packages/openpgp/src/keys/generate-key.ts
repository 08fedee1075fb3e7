import { ProviderError } from '@keyroute/core';
import { generateKey, type KeyOptions, type UserID } from 'openpgp';
import type { Keystore, KeystoreEntry } from '../keystore/keystore.js';

/** What {@link generateOpenPgpKey} makes. */
export interface GenerateKeyOptions {
  /**
   * `ecc` (default): Ed25519 primary (legacy EdDSA) + cv25519 encryption subkey (legacy ECDH),
   * the v4 keys GnuPG 2.2 reads; `rsa3072` / `rsa4096`: RSA primary + RSA encryption subkey.
   */
  readonly type?: 'ecc' | 'rsa3072' | 'rsa4096';
  /** User IDs, `Name <email>` or a bare name; at least one. */
  readonly userIds: readonly string[];
  /** Encrypts the secret key at rest; required unless `allowUnencrypted`. */
  readonly passphrase?: string;
  /** Stores the secret key unencrypted (tests, keys protected otherwise). */
  readonly allowUnencrypted?: boolean;
  /** Key expiry in seconds from now (default: never). */
  readonly expiresInSeconds?: number;
}

/** Splits `Name <email>` into openpgp.js's user ID; anything else is a bare name. */
function userIdOf(text: string): UserID {
  const match = /^(.*?)\s*<([^<>\s]+)>$/.exec(text.trim());
  const email = match?.[2];
  if (email === undefined) return { name: text.trim() };
  const name = match?.[1];
  return name === undefined || name === '' ? { email } : { name, email };
}

/**
 * Generates a key pair with openpgp.js and stores it in the keystore (secret key encrypted with
 * the passphrase, and the certificate), atomically. Returns the stored entry.
 *
 * @throws ProviderError `INVALID_INPUT` without a user ID, with an empty passphrase, or without a
 *   passphrase unless `allowUnencrypted`.
 */
export async function generateOpenPgpKey(
  keystore: Keystore,
  options: GenerateKeyOptions,
): Promise<KeystoreEntry> {
  if (options.userIds.length === 0 || options.userIds.some((id) => id.trim() === '')) {
    throw new ProviderError(
      'INVALID_INPUT',
      'a new OpenPGP key needs at least one non-empty user ID',
    );
  }
  const { passphrase } = options;
  if (passphrase === '')
    throw new ProviderError('INVALID_INPUT', 'the passphrase must not be empty');
  if (passphrase === undefined && options.allowUnencrypted !== true) {
    throw new ProviderError(
      'INVALID_INPUT',
      'a new secret key is stored encrypted: give a passphrase (or allowUnencrypted: true)',
    );
  }
  const userIDs = options.userIds.map(userIdOf);
  const common = {
    userIDs,
    ...(passphrase === undefined ? {} : { passphrase }),
    ...(options.expiresInSeconds === undefined
      ? {}
      : { keyExpirationTime: options.expiresInSeconds }),
    format: 'object' as const,
  };
  const type = options.type ?? 'ecc';
  const keyOptions: KeyOptions & { format: 'object' } =
    type === 'ecc'
      ? { ...common, type: 'ecc', curve: 'ed25519Legacy' }
      : { ...common, type: 'rsa', rsaBits: type === 'rsa3072' ? 3072 : 4096 };
  const { privateKey } = await generateKey(keyOptions);
  return keystore.writeSecretKey(privateKey, { allowUnencrypted: passphrase === undefined });
}
