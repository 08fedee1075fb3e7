import {
  ProviderError,
  keyNotFound,
  type KeyReference,
  type ProviderCapabilities,
} from '@keyroute/core';
import type { PKCS11 } from 'pkcs11js';
import type { TokenCatalog, TokenKey } from '../objects/token-keys.js';
import type { TokenBinding } from '../token/token-binding.js';
import { redactPkcs11Uri } from '../uri/format.js';
import { findTokenKey } from './find-token-key.js';
import type { RsaDecryptAbilities } from './rsa-decrypt-plan.js';

/** What every operation of a PKCS#11 provider needs. */
export interface OperationContext {
  readonly provider: string;
  readonly pkcs11: PKCS11;
  readonly binding: TokenBinding;
  readonly capabilities: ProviderCapabilities;
  readonly allowPkcs1v15Decrypt: boolean;
  readonly rsaDecrypt: RsaDecryptAbilities;
}

/** Most references remembered per catalog (a hostile caller cannot grow it without bound). */
const MAX_REMEMBERED_REFERENCES = 1_024;

/**
 * The key `reference` names in the catalog already read, without a promise: the signing hot
 * path. Undefined when the token is not scanned yet or nothing matches (then use
 * {@link resolveTokenKey}, which scans again on a miss).
 *
 * @throws ProviderError `INVALID_INPUT` for an ambiguous or malformed reference.
 */
export function findReadyTokenKey(
  context: OperationContext,
  reference: KeyReference,
): TokenKey | undefined {
  const catalog = context.binding.readyCatalog();
  if (catalog === undefined || typeof reference !== 'string') return undefined;
  const remembered = catalog.lookups.get(reference);
  if (remembered !== undefined) return remembered;
  const found = findTokenKey(catalog, reference, context.binding.token, context.provider);
  if (found !== undefined) {
    if (catalog.lookups.size >= MAX_REMEMBERED_REFERENCES) catalog.lookups.clear();
    catalog.lookups.set(reference, found);
  }
  return found;
}

/**
 * Finds a key in the token's catalog, scanning the token again once (throttled) on a miss,
 * since another application may have created the key since the last scan.
 *
 * @throws ProviderError `KEY_NOT_FOUND` naming the closest keys; `INVALID_INPUT` when ambiguous.
 */
export async function resolveTokenKey(
  context: OperationContext,
  reference: KeyReference,
  signal: AbortSignal | undefined,
): Promise<TokenKey> {
  if (typeof reference !== 'string' || reference.trim() === '') {
    throw new ProviderError('INVALID_INPUT', 'a key reference must be a non-empty string', {
      provider: context.provider,
    });
  }
  const { binding, provider } = context;
  const view = await binding.catalog(signal);
  const found = findTokenKey(view.catalog, reference, view.token, provider);
  if (found !== undefined) return found;
  const refreshed = await binding.refreshCatalog(signal);
  const again = findTokenKey(refreshed.catalog, reference, refreshed.token, provider);
  if (again !== undefined) return again;
  throw keyNotFound(
    refreshed.catalog.keys.map((key) => key.info),
    redactPkcs11Uri(reference),
    provider,
  );
}

/** The key with `id` in the catalog of the current binding (after a recovery, a new handle). */
export function sameKeyIn(catalog: TokenCatalog, id: string, provider: string): TokenKey {
  const key = catalog.byId.get(id);
  if (key === undefined) {
    throw new ProviderError('KEY_NOT_FOUND', `key "${id}" is no longer on the token`, {
      provider,
      key: id,
    });
  }
  return key;
}

/** Fails with `UNSUPPORTED` unless the key's private half is on the token. */
export function requirePrivateKey(key: TokenKey, provider: string, what: string): Buffer {
  if (key.privateHandle === undefined) {
    throw new ProviderError(
      'UNSUPPORTED',
      `key "${key.info.id}" has only a public key on the token; it cannot ${what}`,
      { provider, key: key.info.id },
    );
  }
  if (key.alwaysAuthenticate) {
    throw new ProviderError(
      'UNSUPPORTED',
      `key "${key.info.id}" asks for the PIN before every use (CKA_ALWAYS_AUTHENTICATE), which keyroute does not support yet`,
      { provider, key: key.info.id },
    );
  }
  return key.privateHandle;
}
