/**
 * ECDSA over a precomputed digest (SEC 1 v2 §4.1.3 and §4.1.4) with bigint arithmetic, because
 * node:crypto only signs and verifies whole messages. Signatures are IEEE P1363 (r‖s).
 */
import type { EcCurve, HashAlgorithm } from '../contract/algorithms.js';
import { bigIntToBytes, bytesToBigInt, concatBytes } from '../encoding/bytes.js';
import { EC_CURVE_PARAMETERS } from '../encoding/ec-curves.js';
import { decodePoint, invert, mod, multiplyAndAdd, multiplyBase } from './ec-point.js';
import { invalidInput } from '../util/errors.js';
import { bits2int, rfc6979Nonces } from './rfc6979.js';

/**
 * Checks an ECDSA signature (P1363 `r‖s`) over `digest` with the public point `publicPoint`
 * (SEC 1 encoding, compressed or not). The digest is truncated to the order's bit length.
 *
 * Returns false for any bad signature, including one of the wrong length or with r or s out
 * of [1, n−1]. Throws `INVALID_INPUT` when `publicPoint` is not a point on `curve`.
 */
export function verifyEcdsaDigest(
  curve: EcCurve,
  publicPoint: Uint8Array,
  digest: Uint8Array,
  signature: Uint8Array,
): boolean {
  const parameters = EC_CURVE_PARAMETERS[curve];
  const q = decodePoint(parameters, publicPoint);
  if (q === undefined) throw invalidInput(`the public key is not a valid point on ${curve}`);
  const { n, orderBytes, orderBits } = parameters;
  if (signature.length !== 2 * orderBytes) return false;
  const r = bytesToBigInt(signature.subarray(0, orderBytes));
  const s = bytesToBigInt(signature.subarray(orderBytes));
  if (r < 1n || r >= n || s < 1n || s >= n) return false;
  const e = bits2int(digest, orderBits);
  const w = invert(s, n);
  const point = multiplyAndAdd(parameters, mod(e * w, n), (r * w) % n, q);
  return point !== undefined && mod(point.x, n) === r;
}

/**
 * Signs `digest` (computed with `hash`) with the private scalar `privateScalar` (big-endian
 * bytes), using RFC 6979 deterministic nonces; returns P1363 `r‖s`.
 *
 * NOT constant-time: the bigint scalar multiplication and inversion leak timing that depends on
 * the nonce and so on the key. Meant for the reference/test provider; production signing belongs
 * in node:crypto (over data) or in the key's backend.
 *
 * Throws `INVALID_INPUT` when the scalar is not in [1, n−1].
 */
export function signEcdsaDigest(
  curve: EcCurve,
  privateScalar: Uint8Array,
  digest: Uint8Array,
  hash: HashAlgorithm,
): Uint8Array {
  const parameters = EC_CURVE_PARAMETERS[curve];
  const { n, orderBytes, orderBits } = parameters;
  const d = bytesToBigInt(privateScalar);
  if (d < 1n || d >= n) throw invalidInput(`the private key is not a valid ${curve} scalar`);
  const e = bits2int(digest, orderBits);
  const nonces = rfc6979Nonces(hash, n, d, digest);
  for (;;) {
    // The generator never finishes, so `value` is always a nonce.
    const k = nonces.next().value;
    const point = multiplyBase(parameters, k);
    if (point === undefined) continue;
    const r = mod(point.x, n);
    if (r === 0n) continue;
    const s = mod(invert(k, n) * (e + r * d), n);
    if (s === 0n) continue;
    return concatBytes(bigIntToBytes(r, orderBytes), bigIntToBytes(s, orderBytes));
  }
}
