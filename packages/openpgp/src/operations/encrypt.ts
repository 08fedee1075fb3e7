import {
  ProviderError,
  encryptToPublicKey,
  type EncryptRequest,
  type EncryptResult,
} from '@keyroute/core';
import { createMessage, type PublicKey } from 'openpgp';
import { encryptMessage } from './openpgp-calls.js';
import { requireEncryptionCapable, validateCertificate } from '../staging/validate.js';
import type { OpenPgpContext } from './context.js';

/**
 * Encrypts to a key. `rsa-oaep` and `ecdh` in software (core) with the (sub)key's public key;
 * `openpgp`: a message to the key's certificate and every `additionalRecipients` certificate,
 * each first checked against the validation policy — a recipient without a currently valid
 * encryption-capable key is `UNSUPPORTED` with the reasons — and encrypted with the algorithms
 * all recipients prefer (openpgp.js), armored unless `armor` is false.
 */
export async function encryptToOpenPgpKey(
  context: OpenPgpContext,
  request: EncryptRequest,
  signal: AbortSignal,
): Promise<EncryptResult> {
  const record = await context.directory.find(request.key);
  const key = { id: record.info.id, provider: context.provider };
  if (request.scheme !== 'openpgp') {
    const result = await encryptToPublicKey(record.info.publicKey, request, { signal });
    return { ...result, key };
  }
  if (!(request.plaintext instanceof Uint8Array)) {
    throw new ProviderError('INVALID_INPUT', 'the plaintext must be a Uint8Array', {
      provider: context.provider,
    });
  }
  const certificates = new Map<string, PublicKey>([
    [record.primaryFingerprint, record.certificate],
  ]);
  for (const reference of request.additionalRecipients ?? []) {
    const recipient = await context.directory.find(reference);
    certificates.set(recipient.primaryFingerprint, recipient.certificate);
  }
  for (const certificate of certificates.values()) {
    const report = await validateCertificate(
      certificate,
      context.policy === undefined ? {} : { policy: context.policy },
    );
    try {
      requireEncryptionCapable(report);
    } catch (error) {
      throw error instanceof ProviderError
        ? new ProviderError(error.code, error.message, {
            provider: context.provider,
            key: report.fingerprint,
          })
        : error;
    }
  }
  const message = await createMessage({ binary: request.plaintext });
  const encryptionKeys = [...certificates.values()];
  const encrypted = await encryptMessage({
    message,
    encryptionKeys,
    armored: request.armor !== false,
  });
  const ciphertext =
    typeof encrypted === 'string' ? new TextEncoder().encode(encrypted) : encrypted;
  signal.throwIfAborted();
  return { scheme: 'openpgp', key, ciphertext };
}
