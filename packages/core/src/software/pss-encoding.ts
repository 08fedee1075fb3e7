/**
 * EMSA-PSS encoding and verification (RFC 8017 §9.1) over a message digest `mHash`, with MGF1
 * of the same hash, as OpenSSL and node:crypto use by default. Pure apart from the salt's
 * randomness; the RSA operation happens elsewhere.
 */
import { createHash, randomBytes } from 'node:crypto';

import { HASH_LENGTHS, type HashAlgorithm } from '../contract/algorithms.js';
import { concatBytes, equalBytes } from '../encoding/bytes.js';
import { mgf1 } from './mgf1.js';

function hashPrime(hash: HashAlgorithm, mHash: Uint8Array, salt: Uint8Array): Uint8Array {
  // M' = (0x)00 00 00 00 00 00 00 00 || mHash || salt (§9.1.1 step 5).
  return createHash(hash).update(new Uint8Array(8)).update(mHash).update(salt).digest();
}

/** Largest salt length for a modulus of `modulusBits` bits: emLen − hLen − 2 (may be negative). */
export function maxPssSaltLength(hash: HashAlgorithm, modulusBits: number): number {
  return Math.ceil((modulusBits - 1) / 8) - HASH_LENGTHS[hash] - 2;
}

/**
 * EMSA-PSS-ENCODE (§9.1.1) of `mHash` for `emBits` = modBits − 1. Returns EM of
 * ceil(emBits / 8) bytes. The caller has checked that the salt fits.
 */
export function emsaPssEncode(
  hash: HashAlgorithm,
  mHash: Uint8Array,
  emBits: number,
  saltLength: number,
  salt: Uint8Array = randomBytes(saltLength),
): Uint8Array {
  const hLen = HASH_LENGTHS[hash];
  const emLen = Math.ceil(emBits / 8);
  if (emLen < hLen + saltLength + 2) throw new RangeError('salt too long for the modulus');
  const h = hashPrime(hash, mHash, salt);
  // DB = PS || 0x01 || salt, then masked with MGF1(H).
  const db = new Uint8Array(emLen - hLen - 1);
  db[db.length - saltLength - 1] = 0x01;
  db.set(salt, db.length - saltLength);
  const mask = mgf1(hash, h, db.length);
  for (let i = 0; i < db.length; i++) db[i] = (db[i] ?? 0) ^ (mask[i] ?? 0);
  db[0] = (db[0] ?? 0) & (0xff >> (8 * emLen - emBits));
  return concatBytes(db, h, Uint8Array.of(0xbc));
}

/**
 * EMSA-PSS-VERIFY (§9.1.2): true when `em` (ceil(emBits / 8) bytes) encodes `mHash` with a salt
 * of exactly `saltLength` bytes.
 */
export function emsaPssVerify(
  hash: HashAlgorithm,
  mHash: Uint8Array,
  em: Uint8Array,
  emBits: number,
  saltLength: number,
): boolean {
  const hLen = HASH_LENGTHS[hash];
  const emLen = Math.ceil(emBits / 8);
  if (em.length !== emLen || emLen < hLen + saltLength + 2) return false;
  if (em[emLen - 1] !== 0xbc) return false;
  const maskedDb = em.subarray(0, emLen - hLen - 1);
  const h = em.subarray(emLen - hLen - 1, emLen - 1);
  const topBits = 0xff >> (8 * emLen - emBits);
  if (((maskedDb[0] ?? 0) & ~topBits) !== 0) return false;
  const mask = mgf1(hash, h, maskedDb.length);
  const db = maskedDb.map((byte, i) => byte ^ (mask[i] ?? 0));
  db[0] = (db[0] ?? 0) & topBits;
  const separator = emLen - hLen - saltLength - 2;
  for (let i = 0; i < separator; i++) if (db[i] !== 0) return false;
  if (db[separator] !== 0x01) return false;
  return equalBytes(hashPrime(hash, mHash, db.subarray(db.length - saltLength)), h);
}
