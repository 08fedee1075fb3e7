import { createHmac } from 'node:crypto';

import { HASH_LENGTHS, type HashAlgorithm } from '../contract/algorithms.js';
import { bigIntToBytes, bitLength, bytesToBigInt, concatBytes } from '../encoding/bytes.js';

/**
 * RFC 6979 §2.3.2 bits2int: the leftmost `qlen` bits of `bytes` as an integer. ECDSA's digest
 * truncation (SEC 1 §4.1.3 step 5) is the same operation.
 */
export function bits2int(bytes: Uint8Array, qlen: number): bigint {
  const value = bytesToBigInt(bytes);
  const blen = bytes.length * 8;
  return blen > qlen ? value >> BigInt(blen - qlen) : value;
}

/**
 * Candidate ECDSA nonces k in [1, q−1] for private key `x` and message digest `digest`
 * (computed with `hash`), by RFC 6979 §3.2 (HMAC_DRBG with `hash`). The caller takes the first
 * and asks for the next only when it yields r = 0 or s = 0 (§3.2 step h.3).
 *
 * Deterministic, so signing needs no randomness; the bigint arithmetic is not constant-time.
 */
export function* rfc6979Nonces(
  hash: HashAlgorithm,
  q: bigint,
  x: bigint,
  digest: Uint8Array,
): Generator<bigint, never> {
  const qlen = bitLength(q);
  const rlen = Math.ceil(qlen / 8);
  const hmac = (key: Uint8Array, ...parts: Uint8Array[]): Uint8Array => {
    const mac = createHmac(hash, key);
    for (const part of parts) mac.update(part);
    return Uint8Array.from(mac.digest());
  };
  const z1 = bits2int(digest, qlen);
  const seed = concatBytes(bigIntToBytes(x, rlen), bigIntToBytes(z1 >= q ? z1 - q : z1, rlen));

  // Steps b–g.
  let v: Uint8Array = new Uint8Array(HASH_LENGTHS[hash]).fill(0x01);
  let k: Uint8Array = new Uint8Array(HASH_LENGTHS[hash]);
  k = hmac(k, v, Uint8Array.of(0x00), seed);
  v = hmac(k, v);
  k = hmac(k, v, Uint8Array.of(0x01), seed);
  v = hmac(k, v);

  // Step h.
  for (;;) {
    let t: Uint8Array = new Uint8Array(0);
    while (t.length * 8 < qlen) {
      v = hmac(k, v);
      t = concatBytes(t, v);
    }
    const candidate = bits2int(t, qlen);
    if (candidate >= 1n && candidate < q) yield candidate;
    k = hmac(k, v, Uint8Array.of(0x00));
    v = hmac(k, v);
  }
}
