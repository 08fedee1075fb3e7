import { ProviderError, type ProviderCapabilities } from '@keyroute/core';
import type { KeyObject } from 'node:crypto';
import type { PrivateKey } from 'openpgp';
import type { OpenPgpKeyRecord } from '../keys/describe-key.js';
import { privateKeyObjectOf, type KeyPacketMaterial } from '../keys/material.js';
import type { KeyDirectory } from '../provider/key-directory.js';
import type { UnlockedKeys } from '../provider/unlock.js';
import type { Keystore } from '../keystore/keystore.js';
import type { ValidationPolicy } from '../staging/validate.js';

/** What every operation of the OpenPGP provider needs. */
export interface OpenPgpContext {
  readonly provider: string;
  readonly keystore: Keystore;
  readonly directory: KeyDirectory;
  readonly unlocked: UnlockedKeys;
  readonly capabilities: ProviderCapabilities;
  readonly maxDecryptedBytes: number;
  readonly policy: ValidationPolicy | undefined;
}

/**
 * The secret key of a record's certificate, unlocked (passphrase from the secret source, kept
 * for the configured time).
 *
 * @throws ProviderError `UNSUPPORTED` when the keystore holds only the certificate; `LOCKED`,
 *   `BAD_SECRET` from unlocking.
 */
export async function unlockedKeyOf(
  context: OpenPgpContext,
  record: OpenPgpKeyRecord,
  signal: AbortSignal | undefined,
): Promise<PrivateKey> {
  const stored = await context.directory.secretKey(record.primaryFingerprint);
  if (stored === undefined) {
    throw new ProviderError(
      'UNSUPPORTED',
      `key ${record.fingerprint} has only a certificate in the keystore; it cannot sign or decrypt`,
      { provider: context.provider, key: record.fingerprint },
    );
  }
  return context.unlocked.unlock(record.primaryFingerprint, stored, record.info.label, signal);
}

const keyObjects = new WeakMap<PrivateKey, Map<string, KeyObject>>();

/** The node:crypto private key of one (sub)key of an unlocked key, cached per unlocked key. */
export function keyObjectOf(key: PrivateKey, fingerprint: string, provider: string): KeyObject {
  let cache = keyObjects.get(key);
  if (cache === undefined) {
    cache = new Map();
    keyObjects.set(key, cache);
  }
  const cached = cache.get(fingerprint);
  if (cached !== undefined) return cached;
  const part = key
    .getKeys()
    .find((candidate) => candidate.getFingerprint().toUpperCase() === fingerprint);
  if (part === undefined) {
    throw new ProviderError('KEY_NOT_FOUND', `the secret key has no (sub)key ${fingerprint}`, {
      provider,
      key: fingerprint,
    });
  }
  const object = privateKeyObjectOf(part.keyPacket as unknown as KeyPacketMaterial);
  cache.set(fingerprint, object);
  return object;
}

/** Fails with `UNSUPPORTED` unless the key's flags allow `usage` (and its secret is here). */
export function requireUsage(
  context: OpenPgpContext,
  record: OpenPgpKeyRecord,
  usage: 'sign' | 'decrypt',
): void {
  if (!record.info.usages.includes(usage)) {
    throw new ProviderError(
      'UNSUPPORTED',
      record.info.hasPrivateKey
        ? `key ${record.fingerprint} cannot ${usage}: its OpenPGP key flags do not allow it`
        : `key ${record.fingerprint} has only a certificate in the keystore; it cannot ${usage}`,
      { provider: context.provider, key: record.fingerprint },
    );
  }
}
