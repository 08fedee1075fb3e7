import { createHash } from 'node:crypto';

import { HASH_LENGTHS, type HashAlgorithm } from '../contract/algorithms.js';

/** MGF1 (RFC 8017 appendix B.2.1): `length` bytes of mask from `seed` with `hash`. */
export function mgf1(hash: HashAlgorithm, seed: Uint8Array, length: number): Uint8Array {
  const hashLength = HASH_LENGTHS[hash];
  const mask = new Uint8Array(Math.ceil(length / hashLength) * hashLength);
  const counter = new Uint8Array(4);
  for (let i = 0; i * hashLength < length; i++) {
    new DataView(counter.buffer).setUint32(0, i);
    mask.set(createHash(hash).update(seed).update(counter).digest(), i * hashLength);
  }
  return mask.subarray(0, length);
}
