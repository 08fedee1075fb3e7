import {
  ProviderError,
  encryptToPublicKey,
  verifySignature,
  type EncryptRequest,
  type EncryptResult,
  type VerifyRequest,
  type VerifyResult,
} from '@keyroute/core';
import { resolveTokenKey, type OperationContext } from './context.js';

/**
 * Checks a raw signature in software (core, node:crypto) against the key's public half from the
 * cached catalog: no token session is used. OpenPGP and CMS formats are `UNSUPPORTED`.
 */
export async function verifyWithTokenKey(
  context: OperationContext,
  request: VerifyRequest,
  signal: AbortSignal | undefined,
): Promise<VerifyResult> {
  const key = await resolveTokenKey(context, request.key, signal);
  const format: unknown = request.format ?? 'raw';
  if (format !== 'raw') {
    throw new ProviderError(
      'UNSUPPORTED',
      `a PKCS#11 provider verifies raw signatures only, not ${String(format)}`,
      { provider: context.provider, key: request.key },
    );
  }
  const valid = await verifySignature(
    key.info.publicKey,
    request,
    signal === undefined ? {} : { signal },
  );
  return { valid, key: { id: key.info.id, provider: context.provider } };
}

/**
 * Encrypts to (or agrees a secret with) the key's public half in software (core): RSA-OAEP and
 * ephemeral ECDH. OpenPGP messages are `UNSUPPORTED` (no OpenPGP certificate on a token).
 */
export async function encryptToTokenKey(
  context: OperationContext,
  request: EncryptRequest,
  signal: AbortSignal | undefined,
): Promise<EncryptResult> {
  const key = await resolveTokenKey(context, request.key, signal);
  if (request.scheme === 'openpgp') {
    throw new ProviderError(
      'UNSUPPORTED',
      'a PKCS#11 provider does not make OpenPGP messages; use the openpgp or gpg-agent provider',
      { provider: context.provider, key: request.key },
    );
  }
  const result = await encryptToPublicKey(
    key.info.publicKey,
    request,
    signal === undefined ? {} : { signal },
  );
  return { ...result, key: { id: key.info.id, provider: context.provider } };
}
