import { createPublicKey, verify } from 'node:crypto';

/**
 * Checks a sample signature of `message` (SHA-256; RSA PKCS#1 v1.5, or ECDSA as r‖s) against
 * the token's public key, so that a benchmark never measures a path that makes bad signatures.
 *
 * @throws Error naming `what` when the signature does not verify.
 */
export function verifySample(
  what: string,
  spki: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
): void {
  const key = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
  const valid = verify(
    'sha256',
    message,
    key.asymmetricKeyType === 'ec' ? { key, dsaEncoding: 'ieee-p1363' } : key,
    signature,
  );
  if (!valid) throw new Error(`${what}: the sample signature does not verify`);
}
