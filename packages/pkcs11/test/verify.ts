import { createPublicKey, verify as nodeVerify } from 'node:crypto';
import type { KeyInfo } from '@keyroute/core';

/**
 * Checks a raw signature over `data` with node:crypto, independently of keyroute: RSA
 * PKCS#1 v1.5 / ECDSA r‖s (IEEE P1363) with SHA-256, or Ed25519.
 */
export function nodeVerifies(key: KeyInfo, data: Uint8Array, signature: Uint8Array): boolean {
  const publicKey = createPublicKey({
    key: Buffer.from(key.publicKey),
    format: 'der',
    type: 'spki',
  });
  if (key.algorithm.kind === 'ed25519') return nodeVerify(null, data, publicKey, signature);
  const options =
    key.algorithm.kind === 'ec'
      ? { key: publicKey, dsaEncoding: 'ieee-p1363' as const }
      : publicKey;
  return nodeVerify('sha256', data, options, signature);
}
