import { HASH_ALGORITHMS, HASH_LENGTHS, type HashAlgorithm } from '../contract/algorithms.js';
import { unsupported } from '../util/errors.js';
import { isHashAlgorithm } from './guards.js';

/** Checks an OAEP hash name (default `sha256`); throws `UNSUPPORTED` for an unknown one. */
export function oaepHash(hash: HashAlgorithm | undefined): HashAlgorithm {
  const resolved: unknown = hash ?? 'sha256';
  if (!isHashAlgorithm(resolved)) {
    throw unsupported(
      `unknown OAEP hash ${String(resolved)}; use one of ${HASH_ALGORITHMS.join(', ')}`,
    );
  }
  return resolved;
}

/** Largest OAEP plaintext for a modulus of `modulusBits`: k − 2·hLen − 2 (RFC 8017 §7.1.1). */
export function maxOaepPlaintextLength(hash: HashAlgorithm, modulusBits: number): number {
  return Math.ceil(modulusBits / 8) - 2 * HASH_LENGTHS[hash] - 2;
}
