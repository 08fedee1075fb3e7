/**
 * RSA signatures over a precomputed digest (RFC 8017 §8.1, §8.2), with node's raw RSA
 * primitives doing the modular exponentiation: node:crypto's sign/verify only take messages.
 */
import {
  constants,
  privateDecrypt,
  privateEncrypt,
  publicDecrypt,
  type KeyObject,
} from 'node:crypto';

import type { HashAlgorithm } from '../contract/algorithms.js';
import { equalBytes } from '../encoding/bytes.js';
import { encodeDigestInfo } from './digest-info.js';
import { emsaPssEncode, emsaPssVerify } from './pss-encoding.js';

/**
 * RSASSA-PKCS1-v1_5-VERIFY: RSAVP1 + EMSA-PKCS1-v1_5 (type 1 padding) via `publicDecrypt`,
 * then compares with DigestInfo‖digest. False for any bad signature, never throws.
 */
export function verifyRsaPkcs1v15Digest(
  publicKey: KeyObject,
  modulusBits: number,
  hash: HashAlgorithm,
  digest: Uint8Array,
  signature: Uint8Array,
): boolean {
  // §8.2.2 step 1: the signature has exactly the modulus' length.
  if (signature.length !== Math.ceil(modulusBits / 8)) return false;
  let encoded: Uint8Array;
  try {
    encoded = publicDecrypt({ key: publicKey, padding: constants.RSA_PKCS1_PADDING }, signature);
  } catch {
    return false;
  }
  return equalBytes(encoded, encodeDigestInfo(hash, digest));
}

/**
 * RSASSA-PSS-VERIFY: RSAVP1 via `publicDecrypt` without padding, then EMSA-PSS-VERIFY with MGF1
 * of `hash` and a salt of exactly `saltLength` bytes. False for any bad signature.
 */
export function verifyRsaPssDigest(
  publicKey: KeyObject,
  modulusBits: number,
  hash: HashAlgorithm,
  saltLength: number,
  digest: Uint8Array,
  signature: Uint8Array,
): boolean {
  const k = Math.ceil(modulusBits / 8);
  if (signature.length !== k) return false;
  let m: Uint8Array;
  try {
    // Throws when the signature, as an integer, is not below the modulus (§8.1.2 step 2b).
    m = publicDecrypt({ key: publicKey, padding: constants.RSA_NO_PADDING }, signature);
  } catch {
    return false;
  }
  const emBits = modulusBits - 1;
  const emLen = Math.ceil(emBits / 8);
  // I2OSP(m, emLen): when emLen = k − 1 the leading byte must be zero.
  if (m.length !== k || (emLen < k && m[0] !== 0)) return false;
  return emsaPssVerify(hash, digest, m.subarray(k - emLen), emBits, saltLength);
}

/** RSASSA-PKCS1-v1_5-SIGN of a digest: type 1 padding of DigestInfo‖digest, then RSASP1. */
export function signRsaPkcs1v15Digest(
  privateKey: KeyObject,
  hash: HashAlgorithm,
  digest: Uint8Array,
): Uint8Array {
  return Uint8Array.from(
    privateEncrypt(
      { key: privateKey, padding: constants.RSA_PKCS1_PADDING },
      encodeDigestInfo(hash, digest),
    ),
  );
}

/** RSASSA-PSS-SIGN of a digest: EMSA-PSS-ENCODE, then RSASP1 as raw `privateDecrypt`. */
export function signRsaPssDigest(
  privateKey: KeyObject,
  modulusBits: number,
  hash: HashAlgorithm,
  saltLength: number,
  digest: Uint8Array,
): Uint8Array {
  const k = Math.ceil(modulusBits / 8);
  const em = emsaPssEncode(hash, digest, modulusBits - 1, saltLength);
  // OS2IP(EM) as a k-byte block: a leading zero when emLen = k − 1.
  const block = new Uint8Array(k);
  block.set(em, k - em.length);
  return Uint8Array.from(
    privateDecrypt({ key: privateKey, padding: constants.RSA_NO_PADDING }, block),
  );
}
