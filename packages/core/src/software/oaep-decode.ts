/**
 * EME-OAEP decoding (RFC 8017 §7.1.2 step 3) of a raw RSA result m = c^d mod n, for backends
 * that do only the RSA operation and leave the padding to the caller (gpg-agent's PKDECRYPT,
 * a PKCS#11 token's CKM_RSA_X_509). Pure.
 *
 * The checks do not branch on secret data until the single final verdict, and every failure
 * raises the same error, so a caller learns nothing that would help a Manger-style attack.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { HASH_LENGTHS, type HashAlgorithm } from '../contract/algorithms.js';
import { ErrorCode, ProviderError } from '../contract/errors.js';
import { mgf1 } from './mgf1.js';

/**
 * Decodes an OAEP-encoded message `encoded` (the raw RSA result, possibly missing leading
 * zero bytes or carrying one extra 00) for a modulus of `modulusBytes` bytes, with MGF1 and the
 * label hash both using `hash`, and returns the plaintext.
 *
 * @throws ProviderError `INVALID_INPUT` with the message `decryption failed` and no cause for
 *   every decoding failure (wrong length, Y ≠ 0, wrong label hash, no 0x01 separator).
 * @throws ProviderError `INVALID_INPUT` naming the sizes when `modulusBytes` is too small for
 *   `hash` (k < 2·hLen + 2), which depends on public parameters only.
 */
export function decodeOaep(
  encoded: Uint8Array,
  modulusBytes: number,
  hash: HashAlgorithm,
  label: Uint8Array = new Uint8Array(0),
): Uint8Array {
  const hLen = HASH_LENGTHS[hash];
  const k = modulusBytes;
  if (!Number.isSafeInteger(k) || k < 2 * hLen + 2) {
    throw new ProviderError(
      ErrorCode.INVALID_INPUT,
      `an RSA modulus of ${k} bytes is too small for OAEP with ${hash} (needs ${2 * hLen + 2})`,
    );
  }
  // An integer format (gpg-agent's) may drop leading zero bytes and adds a 00 before a set top bit: the
  // length is public (it travelled in the clear), the excess bytes' values are not.
  if (encoded.length > k + 1) throw decryptionFailed();
  let bad = 0;
  let em = encoded;
  if (encoded.length === k + 1) {
    bad |= encoded[0] as number;
    em = encoded.subarray(1);
  }
  const padded = new Uint8Array(k);
  padded.set(em, k - em.length);

  const y = padded[0] as number;
  const maskedSeed = padded.subarray(1, 1 + hLen);
  const maskedDb = padded.subarray(1 + hLen);
  const seed = xor(maskedSeed, mgf1(hash, maskedDb, hLen));
  const db = xor(maskedDb, mgf1(hash, seed, k - hLen - 1));
  const lHash = createHash(hash).update(label).digest();
  bad |= timingSafeEqual(lHash, db.subarray(0, hLen)) ? 0 : 1;
  bad |= y;

  // DB = lHash' ‖ PS (zeros) ‖ 0x01 ‖ M: find the first non-zero byte after lHash', which must be
  // 0x01, touching every byte and selecting with masks instead of branches.
  let searching = 1;
  let separator = 0;
  for (let i = hLen; i < db.length; i++) {
    const byte = db[i] as number;
    const isZero = ((byte - 1) >>> 31) & 1; // byte ∈ [0, 255]: byte − 1 < 0 only for 0
    const isOne = (((byte ^ 1) - 1) >>> 31) & 1;
    separator |= i & -(searching & isOne);
    bad |= searching & (isZero ^ 1) & (isOne ^ 1);
    searching &= isOne ^ 1;
  }
  bad |= searching;
  if (bad !== 0) throw decryptionFailed();
  return db.slice(separator + 1);
}

function decryptionFailed(): ProviderError {
  return new ProviderError(ErrorCode.INVALID_INPUT, 'decryption failed');
}

function xor(a: Uint8Array, mask: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = (a[i] as number) ^ (mask[i] as number);
  return out;
}
